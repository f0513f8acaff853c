using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Assembly;

/// <summary>A snapshot of one open trace's bookkeeping (for inspection, tests and debugging; not for the hot path).</summary>
/// <param name="TraceId">The trace.</param>
/// <param name="SpanCount">Spans held (including spans retained from earlier revisions).</param>
/// <param name="DroppedSpans">Spans dropped by the cap, plus earlier spans not retained for a late revision.</param>
/// <param name="Truncated">True when <paramref name="DroppedSpans"/> is not zero for a reason that makes the trace incomplete.</param>
/// <param name="Revision">0, or the revision a late span opened.</param>
/// <param name="RootSeen">A span without a parent has arrived.</param>
/// <param name="FirstStreamMs">Stream time when this revision's first span arrived.</param>
/// <param name="LastStreamMs">Stream time when its latest span arrived.</param>
/// <param name="FirstWallMs">Wall clock when the first span arrived (restore time for restored traces).</param>
/// <param name="LastWallMs">Wall clock when the latest span arrived.</param>
/// <param name="RootStreamMs">Stream time when the root arrived, or -1.</param>
/// <param name="RootWallMs">Wall clock when the root arrived, or -1.</param>
public readonly record struct OpenTraceInfo(
    TraceId TraceId,
    int SpanCount,
    int DroppedSpans,
    bool Truncated,
    int Revision,
    bool RootSeen,
    long FirstStreamMs,
    long LastStreamMs,
    long FirstWallMs,
    long LastWallMs,
    long RootStreamMs,
    long RootWallMs);
