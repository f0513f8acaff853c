using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// One scheduled punctuator: when it is next due (<see cref="NextMs"/>, on its queue's clock) and its interval. Missed
/// intervals are not replayed: after firing at <c>now</c> the next time is the following interval boundary after
/// <c>now</c> (a long GC pause or a jump in stream time fires once, not once per missed interval).
/// </summary>
internal sealed class PunctuationSchedule(IPunctuator punctuator, long intervalMs, long nextMs) : ICancellable
{
    /// <summary>Marks a schedule made before its clock had a value (stream time before the first record).</summary>
    public const long Unanchored = -1;

    public IPunctuator Punctuator { get; } = punctuator;

    public long IntervalMs { get; } = intervalMs;

    /// <summary>Next due time in ms, or <see cref="Unanchored"/> until the clock is first observed.</summary>
    public long NextMs { get; internal set; } = nextMs;

    public bool IsCancelled { get; private set; }

    public void Cancel() => IsCancelled = true;

    /// <summary>Moves <see cref="NextMs"/> past <paramref name="nowMs"/> after a firing.</summary>
    internal void Advance(long nowMs)
    {
        long next = NextMs + IntervalMs;
        if (next <= nowMs)
        {
            // Skip missed intervals but stay on the original grid.
            long missed = (nowMs - NextMs) / IntervalMs;
            next = NextMs + (missed + 1) * IntervalMs;
        }
        NextMs = next;
    }
}
