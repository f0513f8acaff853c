using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.SpanCounts;

/// <summary>
/// The <c>service::operation</c> strings of interned (service, operation) id pairs, made once instead of once per
/// trace: the span-count and self-time features key their maps by them, and the same few hundred pairs recur in every
/// trace of a system.
/// </summary>
/// <remarks>
/// Ids are only meaningful within one <see cref="StringTable"/>, so the cache empties when asked about another table.
/// Bounded: past <see cref="MaxEntries"/> distinct pairs (a cardinality explosion in operation names) it starts over
/// rather than grow. Not thread-safe; one per extractor.
/// </remarks>
internal sealed class OperationKeyCache
{
    public const int MaxEntries = 16_384;

    private readonly Dictionary<long, string> _keys = new();
    private StringTable? _strings;

    public string Get(StringTable strings, int service, int operation)
    {
        if (!ReferenceEquals(strings, _strings))
        {
            _keys.Clear();
            _strings = strings;
        }
        long id = ((long)service << 32) | (uint)operation;
        if (_keys.TryGetValue(id, out string? key)) return key;
        if (_keys.Count >= MaxEntries) _keys.Clear();
        key = SpanCountsExtractor.OperationKey(strings, service, operation);
        _keys.Add(id, key);
        return key;
    }
}
