namespace StreamAnalytics.Features.Assembly;

/// <summary>Why a trace was emitted. Also a metric label (<c>reason</c>), so the names are stable.</summary>
public enum CompletionReason
{
    /// <summary>No span for <c>assembly.gap.ms</c> (by stream time or by wall clock).</summary>
    Gap,
    /// <summary>The root span arrived and <c>assembly.root.grace.ms</c> passed.</summary>
    Root,
    /// <summary>The trace was open for <c>assembly.max.trace.duration.ms</c>.</summary>
    MaxDuration,
    /// <summary>The open-trace store was over its byte budget and this was among the oldest traces.</summary>
    MemoryPressure,
    /// <summary>A late span reopened the trace and this is a follow-up revision.</summary>
    Late,
    /// <summary>End of a finite input (replay) or shutdown flush.</summary>
    EndOfInput,
}
