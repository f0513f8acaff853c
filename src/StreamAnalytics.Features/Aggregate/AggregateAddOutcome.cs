namespace StreamAnalytics.Features.Aggregate;

/// <summary>What <see cref="WindowedAggregator.Add"/> did with a trace.</summary>
public enum AggregateAddOutcome
{
    /// <summary>Counted in its window.</summary>
    Added,
    /// <summary>A follow-up revision (late spans): not aggregated, because revision 0 was already counted.</summary>
    SkippedRevision,
    /// <summary>Its window had already closed (end + grace passed): dropped and counted.</summary>
    Late,
}
