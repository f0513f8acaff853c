using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.SpanCounts;

/// <summary>
/// <c>spanCounts</c> (spans per <c>service::operation</c>), <c>serviceCount</c> and <c>errorCount</c>: the book
/// exercise's SpanCountJob feature.
/// </summary>
/// <remarks>Counts by interned id pair; the pair's string comes from an <see cref="OperationKeyCache"/>. Not thread-safe.</remarks>
internal sealed class SpanCountsExtractor
{
    /// <summary>Separator between service and operation in keys.</summary>
    public const string Separator = "::";

    private readonly Dictionary<long, int> _byOperation = new();
    private readonly HashSet<int> _services = new();
    private readonly OperationKeyCache _names = new();

    public void Extract(ReadOnlySpan<Span> spans, StringTable strings, TraceFeatures into)
    {
        _byOperation.Clear();
        _services.Clear();
        int errors = 0;
        foreach (ref readonly Span s in spans)
        {
            long key = ((long)s.Service << 32) | (uint)s.Operation;
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_byOperation, key, out _)++;
            _services.Add(s.Service);
            if (s.IsError) errors++;
        }
        var counts = into.SpanCounts;
        counts.EnsureCapacity(counts.Count + _byOperation.Count); // one allocation instead of a resize per doubling
        foreach (var (key, count) in _byOperation)
        {
            string name = _names.Get(strings, (int)(key >> 32), (int)key);
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, name, out _) += count;
        }
        into.ServiceCount = _services.Count;
        into.ErrorCount = errors;
        if (_byOperation.Count > 4096)
        {
            _byOperation.Clear();
            _byOperation.TrimExcess();
            _services.Clear();
            _services.TrimExcess();
        }
    }

    /// <summary>The <c>service::operation</c> key shared by the features that count per operation.</summary>
    public static string OperationKey(StringTable strings, int service, int operation) =>
        string.Concat(strings[service], Separator, strings[operation]);
}
