namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// A log-normal latency, given by its median and 99th percentile in milliseconds: the two figures people read off a latency
/// dashboard, so a topology can be written from what a real system shows.
/// </summary>
public sealed class LatencyDistribution
{
    /// <summary>Median in milliseconds; must be positive.</summary>
    public double MedianMs { get; init; } = 1;

    /// <summary>99th percentile in milliseconds; must be at least <see cref="MedianMs"/>.</summary>
    public double P99Ms { get; init; } = 5;

    /// <summary>Creates a distribution with the defaults (median 1 ms, p99 5 ms).</summary>
    public LatencyDistribution()
    {
    }

    /// <summary>Creates a distribution with the given median and 99th percentile, in milliseconds.</summary>
    public LatencyDistribution(double medianMs, double p99Ms)
    {
        MedianMs = medianMs;
        P99Ms = p99Ms;
    }
}
