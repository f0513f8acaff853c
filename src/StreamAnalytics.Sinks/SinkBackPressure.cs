using System.Diagnostics;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Sinks;

/// <summary>The back-pressure of a list of sinks, for the sink processors (<see cref="IBackPressure"/>).</summary>
internal static class SinkBackPressure
{
    /// <summary>True when one of the sinks that can fall behind is blocked. Read between records: no allocation.</summary>
    public static bool AnyBlocked(IReadOnlyList<ISink> sinks)
    {
        for (int i = 0; i < sinks.Count; i++)
        {
            if (sinks[i] is IBackPressure { IsBlocked: true }) return true;
        }
        return false;
    }

    /// <summary>
    /// Flushes every sink; the ones that can fall behind share <paramref name="timeout"/> (one deadline for all), the
    /// others (a local file) flush as usual. False as soon as one has not confirmed in time.
    /// </summary>
    public static bool TryFlushAll(IReadOnlyList<ISink> sinks, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < sinks.Count; i++)
        {
            if (sinks[i] is IBackPressure bp)
            {
                TimeSpan left = timeout - Stopwatch.GetElapsedTime(start);
                if (!bp.TryFlush(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken)) return false;
            }
            else
            {
                sinks[i].Flush(cancellationToken);
            }
        }
        return true;
    }
}
