namespace StreamAnalytics.Features.Assembly;

/// <summary>What <see cref="OpenTraceStore.TryAdd"/> did with a span (or, for a range, with the range's trace).</summary>
/// <remarks>For a range, when several apply, the first in this order wins: Invalid, TraceFull, Late, NewTrace, Added.</remarks>
public enum AddOutcome
{
    /// <summary>Appended to a trace that was already open.</summary>
    Added,
    /// <summary>Opened a new trace (revision 0). Also the outcome for a span whose trace was emitted longer than
    /// <c>assembly.late.retention.ms</c> ago (counted in <see cref="AssemblyMetrics.ExpiredLateSpans"/> when still recognised).</summary>
    NewTrace,
    /// <summary>Dropped: the trace holds <c>assembly.max.spans.per.trace</c> spans. Counted; the trace is flagged truncated.</summary>
    TraceFull,
    /// <summary>The trace was already emitted and is within late retention: it was reopened as the next revision.</summary>
    Late,
    /// <summary>Dropped: the span's trace id is empty. Counted.</summary>
    Invalid,
}
