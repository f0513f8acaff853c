namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// Enforces <c>aggregate.cardinality.limit</c>: within one window, each dimension kind holds at most
/// <see cref="Limit"/> distinct series. An update for a new series beyond the limit goes into the kind's one overflow
/// series (every dimension <c>__overflow__</c>, document field <c>overflow: true</c>) and is counted in
/// <see cref="OverflowedUpdates"/>, so a cardinality attack (100,000 operation names) costs bounded memory and its
/// volume is still visible in the totals. Series that already exist keep being updated.
/// </summary>
/// <remarks>Not thread-safe; one per aggregator. The overflow series itself does not count towards the limit.</remarks>
public sealed class SeriesLimiter
{
    private readonly long[] _overflowed = new long[AggregateKindNames.Count];

    /// <summary>Creates a limiter of <paramref name="limit"/> series per kind per window.</summary>
    public SeriesLimiter(int limit)
    {
        if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "aggregate.cardinality.limit must be at least 1");
        Limit = limit;
    }

    /// <summary>Series per kind per window.</summary>
    public int Limit { get; }

    /// <summary>
    /// The key to update: <paramref name="key"/> itself when it exists (<paramref name="exists"/>) or there is room
    /// (<paramref name="seriesOfKind"/> &lt; <see cref="Limit"/>), else the overflow key of its kind (counted).
    /// </summary>
    public AggregateKey Admit(AggregateKey key, bool exists, int seriesOfKind)
    {
        if (exists || seriesOfKind < Limit || key.IsOverflow) return key;
        _overflowed[(int)key.Kind]++;
        AggregateMetrics.SeriesOverflow(key.Kind);
        return AggregateKey.Overflow(key.Kind);
    }

    /// <summary>Updates redirected to the overflow series of <paramref name="kind"/> since creation.</summary>
    public long OverflowedUpdates(AggregateKind kind) => _overflowed[(int)kind];
}
