using System.Runtime.CompilerServices;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// A small direct-mapped cache in front of <see cref="MetricFamily"/>'s lookup by label text: tag sets whose keys and
/// string values are the very same instances as a remembered set map to its series without hashing or comparing text.
/// </summary>
/// <remarks>
/// Derived metrics are recorded dozens of times per trace with label values that are interned names (services,
/// operations, paths), the same string objects trace after trace, so identity almost always hits. A miss only costs
/// the content lookup it stands in front of. Tag sets with a non-string value (a boxed number is a new object every
/// time) are never cached. The cache holds at most <see cref="Slots"/> tag sets, so it bounds the strings it keeps
/// alive; a slot is overwritten in place (no allocation once the slot's array is big enough). Not thread-safe: the
/// family's lock guards it.
/// </remarks>
internal sealed class SeriesIdentityCache
{
    public const int Slots = 512;

    private Entry[]? _entries;

    private struct Entry
    {
        public object?[]? Refs; // key0, value0, key1, value1, ...; longer than needed is allowed
        public int Count;       // tags in the set
        public MetricFamily.Series? Series;
    }

    /// <summary>The series remembered for exactly these instances, else null with the slot to <see cref="Remember"/> into (-1: not cacheable).</summary>
    public MetricFamily.Series? TryFind(ReadOnlySpan<KeyValuePair<string, object?>> tags, out int slot)
    {
        int hash = tags.Length;
        foreach (var tag in tags)
        {
            if (tag.Value is not (string or null))
            {
                slot = -1;
                return null;
            }
            hash = (hash * 31 + RuntimeHelpers.GetHashCode(tag.Key)) * 31 + (tag.Value is null ? 0 : RuntimeHelpers.GetHashCode(tag.Value));
        }
        slot = (int)((uint)(hash * -1640531535) >> 23); // Fibonacci hashing onto 512 slots (top 9 bits)
        if (_entries is null) return null;
        ref Entry e = ref _entries[slot];
        if (e.Count != tags.Length || e.Refs is null) return null;
        for (int i = 0; i < tags.Length; i++)
        {
            if (!ReferenceEquals(e.Refs[2 * i], tags[i].Key) || !ReferenceEquals(e.Refs[2 * i + 1], tags[i].Value)) return null;
        }
        return e.Series;
    }

    /// <summary>Remembers <paramref name="series"/> for these instances in <paramref name="slot"/> (from <see cref="TryFind"/>).</summary>
    public void Remember(int slot, ReadOnlySpan<KeyValuePair<string, object?>> tags, MetricFamily.Series series)
    {
        if (slot < 0) return;
        _entries ??= new Entry[Slots];
        ref Entry e = ref _entries[slot];
        if (e.Refs is null || e.Refs.Length < 2 * tags.Length) e.Refs = new object?[2 * tags.Length];
        else Array.Clear(e.Refs);
        for (int i = 0; i < tags.Length; i++)
        {
            e.Refs[2 * i] = tags[i].Key;
            e.Refs[2 * i + 1] = tags[i].Value;
        }
        e.Count = tags.Length;
        e.Series = series;
    }

    /// <summary>Forgets every tag set (the series they point to are gone).</summary>
    public void Clear()
    {
        if (_entries is not null) Array.Clear(_entries);
    }
}
