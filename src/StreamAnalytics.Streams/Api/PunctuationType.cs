namespace StreamAnalytics.Streams.Api;

/// <summary>Which clock drives a scheduled <see cref="IPunctuator"/>.</summary>
public enum PunctuationType
{
    /// <summary>
    /// Stream time: the largest record timestamp the task has seen. It only moves when records arrive, so a quiet
    /// partition never fires; deterministic, and what event-time windows close on.
    /// </summary>
    StreamTime,

    /// <summary>
    /// Wall-clock time from the runtime's <see cref="TimeProvider"/>. Best effort: checked between records and on idle
    /// polls, so it fires on quiet partitions too (how idle traces are flushed).
    /// </summary>
    WallClockTime,
}
