using System.Globalization;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Tools.Nezha;

/// <summary>
/// Reads the span tables of the public Nezha dataset (<c>../shared/data/nezha/*.csv</c>): columns TraceID, SpanID,
/// ParentID, PodName, OperationName, StartTimeUnixNano, EndTimeUnixNano, Duration.
/// </summary>
/// <remarks>
/// The service is the pod name without its Kubernetes <c>-&lt;replicaset hash&gt;-&lt;pod suffix&gt;</c>
/// (<c>frontend-579b9bff58-t2dbm</c> → <c>frontend</c>). ParentID <c>root</c> means no parent. The tables carry no kind,
/// status or attributes, so those stay unset. The duration is taken from the two nanosecond timestamps (the Duration
/// column is microseconds, so less precise).
/// </remarks>
public static class NezhaCsvReader
{
    private static readonly string[] Columns = ["TraceID", "SpanID", "ParentID", "PodName", "OperationName", "StartTimeUnixNano", "EndTimeUnixNano"];

    /// <summary>Reads every span of the file, in file order.</summary>
    /// <exception cref="FormatException">A column is missing or a row is malformed (the message names the line).</exception>
    public static List<LogicalSpan> Read(string path)
    {
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine() ?? throw new FormatException($"{path}: empty file, expected a header line");
        string[] names = header.Trim().Split(',');
        int[] index = new int[Columns.Length];
        for (int i = 0; i < Columns.Length; i++)
        {
            index[i] = Array.IndexOf(names, Columns[i]);
            if (index[i] < 0) throw new FormatException($"{path}: the header has no {Columns[i]} column");
        }

        var spans = new List<LogicalSpan>();
        int lineNumber = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string[] cells = line.Split(',');
            if (cells.Length < names.Length) throw new FormatException($"{path}:{lineNumber}: expected {names.Length} columns, found {cells.Length}");
            string parent = cells[index[2]];
            if (!long.TryParse(cells[index[5]], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
                || !long.TryParse(cells[index[6]], NumberStyles.None, CultureInfo.InvariantCulture, out long end))
                throw new FormatException($"{path}:{lineNumber}: StartTimeUnixNano/EndTimeUnixNano are not integers");
            spans.Add(new LogicalSpan
            {
                TraceId = cells[index[0]].ToLowerInvariant(),
                SpanId = cells[index[1]].ToLowerInvariant(),
                ParentSpanId = parent is "root" or "" ? null : parent.ToLowerInvariant(),
                Service = ServiceOfPod(cells[index[3]]),
                Operation = cells[index[4]],
                StartUnixNanos = start,
                DurationNanos = end - start,
            });
        }
        return spans;
    }

    /// <summary>
    /// The workload name of a pod: a Deployment's pod <c>&lt;name&gt;-&lt;replicaset hash&gt;-&lt;5-character suffix&gt;</c> loses
    /// both generated parts, a StatefulSet's pod <c>&lt;name&gt;-&lt;ordinal&gt;</c> loses its ordinal; any other name is
    /// returned unchanged (so a service whose own name has dashes, like <c>ts-ui-dashboard</c>, is not cut).
    /// </summary>
    public static string ServiceOfPod(string podName)
    {
        int last = podName.LastIndexOf('-');
        if (last <= 0) return podName;
        ReadOnlySpan<char> suffix = podName.AsSpan(last + 1);
        int previous = podName.LastIndexOf('-', last - 1);
        if (previous > 0)
        {
            ReadOnlySpan<char> hash = podName.AsSpan(previous + 1, last - previous - 1);
            // Kubernetes generates a pod-template-hash of up to 10 and a pod suffix of 5 lowercase alphanumerics.
            if (suffix.Length == 5 && hash.Length is >= 6 and <= 10 && IsLowerAlphanumeric(suffix) && IsLowerAlphanumeric(hash))
                return podName[..previous];
        }
        return !suffix.IsEmpty && suffix.ContainsAnyExceptInRange('0', '9') is false ? podName[..last] : podName;
    }

    private static bool IsLowerAlphanumeric(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9'))) return false;
        }
        return true;
    }
}
