using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamAnalytics.Bench;

/// <summary>The figures of one <c>bench</c> run; serialised (camelCase) as the <c>--json</c> object.</summary>
internal sealed class BenchReport
{
    public double InProcessSpansPerSec { get; init; }

    /// <summary>The process's CPU per span over the in-process pass, ns (steadier than spans/s when the machine is shared).</summary>
    public double InProcessCpuNsPerSpan { get; init; }

    public double DecodeOnlySpansPerSec { get; init; }
    public double RawConsumeSpansPerSec { get; init; }
    public double EndToEndSpansPerSec { get; init; }
    public double EndToEndVsRaw { get; init; }
    public double InProcessVsDecode { get; init; }
    public double BytesPerOpenSpan { get; init; }
    public double CompletionLatencyP99Ms { get; init; }

    /// <summary>Open spans a new owner rebuilds per second from the open-traces changelog (no target: sizes recovery time).</summary>
    public double RestoreSpansPerSec { get; init; }

    /// <summary>
    /// The job's drain up to the last record handed to its source node, before the traces complete: a diagnostic that
    /// leaves out extraction, the features topic, the metrics and the aggregates (the endToEnd figure of sessions 1–2).
    /// </summary>
    public double IngestSpansPerSec { get; init; }

    /// <summary>OTLP batches: the trace job end to end over the in-process pipeline on the same data (issue 21: ≥ 0.6).</summary>
    public double EndToEndVsInProcess { get; init; }

    /// <summary>
    /// The in-process pipeline again with each trace's features document serialized, as the job's features topic needs
    /// (the in-process figure asks for no JSON), and end to end against it: how much of endToEndVsInProcess's gap is
    /// Kafka and the runtime rather than the document.
    /// </summary>
    public double InProcessWithDocumentsSpansPerSec { get; init; }
    public double EndToEndVsInProcessWithDocuments { get; init; }

    /// <summary>Book job (jaeger_proto, one span per message): a bare consumer's drain of the topic, records per second.</summary>
    public double BookBareSpansPerSec { get; init; }

    /// <summary>Book job: our job's drain (<c>jobs/span-count.json</c> settings), spans per second.</summary>
    public double BookOursSpansPerSec { get; init; }

    /// <summary>Book job: the Streamiz.Kafka.Net 1.8.2 job's drain (bench/StreamAnalytics.Bench/Book), spans per second.</summary>
    public double BookStreamizSpansPerSec { get; init; }

    /// <summary>Book job: ours over the bare consumer (issue 21: ≥ 0.8).</summary>
    public double BookOursVsBare { get; init; }

    /// <summary>Book job: ours over Streamiz (issue 21: ≥ 3).</summary>
    public double BookOursVsStreamiz { get; init; }

    /// <summary>Book job: process CPU per span over our drain, µs (embedded brokers' threads included; issue 21: ≤ 1.5).</summary>
    public double BookOursCpuUsPerSpan { get; init; }

    /// <summary>Book job: process CPU per span over the Streamiz drain, µs (same accounting).</summary>
    public double BookStreamizCpuUsPerSpan { get; init; }

    /// <summary>Book job: the bare consumer's process CPU per record, µs (same accounting).</summary>
    public double BookBareCpuUsPerSpan { get; init; }

    /// <summary>
    /// Book job: the bare consumer that also decodes each span on its thread (spans/s), and that against the bare drain:
    /// a ceiling on ours/bare for any engine that processes where it consumes.
    /// </summary>
    public double BookBareDecodeSpansPerSec { get; init; }
    public double BookBareDecodeVsBare { get; init; }

    /// <summary>
    /// Book job: managed bytes allocated per span over each drain (every thread of the process), ours, Streamiz's and
    /// the bare consumer's per record. Steady across runs where the timings are not.
    /// </summary>
    public double BookOursAllocatedBytesPerSpan { get; init; }
    public double BookStreamizAllocatedBytesPerSpan { get; init; }
    public double BookBareAllocatedBytesPerSpan { get; init; }

    /// <summary>Book job: spans and traces of the measured topic, and output records of each engine (one per trace when equal).</summary>
    public long BookSpans { get; init; }
    public long BookTraces { get; init; }
    public long BookOursRecords { get; init; }
    public long BookStreamizRecords { get; init; }

    /// <summary>Book job: interleaved runs of the three drains; the spans/s and CPU figures are the medians' run.</summary>
    public int BookRuns { get; init; }

    /// <summary>Key and value bytes per span of the input messages (OTLP protobuf, before compression).</summary>
    public double InputBytesPerSpan { get; init; }

    /// <summary>What the job wrote to each Kafka topic per input span (sizing; the drain and the latency load together).</summary>
    public IReadOnlyList<KafkaWrites> KafkaWrites { get; init; } = [];

    public long Spans { get; init; }
    public long Traces { get; init; }
    public long Messages { get; init; }
    public long KafkaSpans { get; init; }
    public long LatencySpans { get; init; }
    public double LatencyLoadSpansPerSec { get; init; }
    public long GapMs { get; init; }
    public string Kafka { get; init; } = "";
    public MachineFacts Machine { get; init; } = MachineFacts.Current();
    public string Command { get; init; } = "";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The table printed at the end of a run (also the table of BENCHMARKS.md).</summary>
    public string ToTable()
    {
        var rows = new List<(string Name, string Value, string Target)>
        {
            ("inProcessSpansPerSec", Rate(InProcessSpansPerSec), Target(InProcessSpansPerSec >= 1_000_000, "≥ 1,000,000")),
            ("inProcessCpuNsPerSpan", InProcessCpuNsPerSpan.ToString("F0", CultureInfo.InvariantCulture), ""),
            ("decodeOnlySpansPerSec", Rate(DecodeOnlySpansPerSec), ""),
            ("inProcessVsDecode", Ratio(InProcessVsDecode), "retired (was ≥ 0.5)"),
            ("rawConsumeSpansPerSec", Rate(RawConsumeSpansPerSec), ""),
            ("endToEndSpansPerSec", Rate(EndToEndSpansPerSec), ""),
            ("endToEndVsRaw", Ratio(EndToEndVsRaw), "retired (was ≥ 0.6)"),
            ("bytesPerOpenSpan", BytesPerOpenSpan.ToString("F1", CultureInfo.InvariantCulture), Target(BytesPerOpenSpan <= 256, "≤ 256")),
            ("completionLatencyP99Ms", CompletionLatencyP99Ms.ToString("F0", CultureInfo.InvariantCulture), Target(CompletionLatencyP99Ms <= 1000, "≤ 1000")),
            ("restoreSpansPerSec", Rate(RestoreSpansPerSec), ""),
            ("endToEndVsInProcess", Ratio(EndToEndVsInProcess), Target(EndToEndVsInProcess >= 0.6, "≥ 0.6")),
            ("inProcessWithDocumentsSpansPerSec", Rate(InProcessWithDocumentsSpansPerSec), ""),
            ("endToEndVsInProcessWithDocuments", Ratio(EndToEndVsInProcessWithDocuments), ""),
            ("bookBareSpansPerSec", Rate(BookBareSpansPerSec), ""),
            ("bookOursSpansPerSec", Rate(BookOursSpansPerSec), ""),
            ("bookStreamizSpansPerSec", Rate(BookStreamizSpansPerSec), ""),
            ("bookOursVsBare", Ratio(BookOursVsBare), Target(BookOursVsBare >= 0.8, "≥ 0.8")),
            ("bookOursVsStreamiz", Ratio(BookOursVsStreamiz), Target(BookOursVsStreamiz >= 3, "≥ 3")),
            ("bookOursCpuUsPerSpan", Ratio(BookOursCpuUsPerSpan), Target(BookOursCpuUsPerSpan <= 1.5, "≤ 1.5")),
            ("bookStreamizCpuUsPerSpan", Ratio(BookStreamizCpuUsPerSpan), ""),
            ("bookBareCpuUsPerSpan", Ratio(BookBareCpuUsPerSpan), ""),
            ("bookBareDecodeVsBare", Ratio(BookBareDecodeVsBare), ""),
            ("bookOursAllocatedBytesPerSpan", BookOursAllocatedBytesPerSpan.ToString("F0", CultureInfo.InvariantCulture), ""),
        };
        int w0 = Math.Max("figure".Length, rows.Max(r => r.Name.Length));
        int w1 = Math.Max("value".Length, rows.Max(r => r.Value.Length));
        var sb = new StringBuilder();
        sb.Append("| ").Append("figure".PadRight(w0)).Append(" | ").Append("value".PadLeft(w1)).Append(" | target |\n");
        sb.Append("|-").Append(new string('-', w0)).Append("-|-").Append(new string('-', w1)).Append(":|--------|\n");
        foreach (var (name, value, target) in rows)
            sb.Append("| ").Append(name.PadRight(w0)).Append(" | ").Append(value.PadLeft(w1)).Append(" | ").Append(target).Append(" |\n");
        return sb.ToString();
    }

    /// <summary>The job's Kafka writes per input span, as a second table (empty when the run had none).</summary>
    public string WritesTable()
    {
        if (KafkaWrites.Count == 0) return "";
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Kafka writes of the job per input span (input: {InputBytesPerSpan:F1} bytes per span, before compression):\n");
        int w0 = Math.Max("topic".Length, KafkaWrites.Max(r => r.Topic.Length));
        sb.Append("| ").Append("topic".PadRight(w0)).Append(" | records per 1,000 spans | bytes per span |\n");
        sb.Append("|-").Append(new string('-', w0)).Append("-|------------------------:|---------------:|\n");
        foreach (var w in KafkaWrites)
        {
            sb.Append("| ").Append(w.Topic.PadRight(w0)).Append(" | ")
              .Append(w.RecordsPerThousandSpans.ToString("F1", CultureInfo.InvariantCulture).PadLeft(23)).Append(" | ")
              .Append(w.BytesPerSpan.ToString("F1", CultureInfo.InvariantCulture).PadLeft(14)).Append(" |\n");
        }
        return sb.ToString();
    }

    private static string Rate(double v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ratio(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static string Target(bool met, string target) => (met ? "met " : "MISSED ") + target;
}

/// <summary>What the figures depend on.</summary>
internal sealed record MachineFacts(int Cores, string Cpu, string Runtime, string Os, long MemoryBytes, bool ServerGc)
{
    public static MachineFacts Current() => new(
        Environment.ProcessorCount,
        CpuModel(),
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription + " " + RuntimeInformation.ProcessArchitecture,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        System.Runtime.GCSettings.IsServerGC);

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return "unknown";
    }

    public override string ToString() =>
        $"{Cores} cores ({Cpu}), {MemoryBytes / (1L << 30)} GiB, {Runtime}, {Os}, {(ServerGc ? "server" : "workstation")} GC";
}
