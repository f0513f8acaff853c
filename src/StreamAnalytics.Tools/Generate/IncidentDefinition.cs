namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// A latency and error injection over a window of virtual time, so that demos, dashboards and alerts have something to show.
/// Offsets count from the generator's start time, so the same seed reproduces the same incident.
/// </summary>
public sealed class IncidentDefinition
{
    /// <summary>The service (or database) that degrades.</summary>
    public string Service { get; init; } = "";

    /// <summary>One operation of the service, or null for all of them. Ignored for a database.</summary>
    public string? Operation { get; init; }

    /// <summary>Milliseconds added to each affected span's own work.</summary>
    public double ExtraLatencyMs { get; init; }

    /// <summary>Probability, 0 to 1, of an extra failure, on top of the operation's own error rate.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Start of the incident, in seconds after the generator's start time.</summary>
    public double StartOffsetSeconds { get; init; }

    /// <summary>End of the incident (exclusive), in seconds after the generator's start time; after the start.</summary>
    public double EndOffsetSeconds { get; init; }

    /// <summary>When positive, the incident window repeats with this period, in seconds (for long-running load); 0 means once.</summary>
    public double PeriodSeconds { get; init; }

    /// <summary>Whether the incident is active at <paramref name="offsetNanos"/> after the generator's start.</summary>
    internal bool IsActiveAt(long offsetNanos)
    {
        double offsetSeconds = offsetNanos / 1e9;
        if (PeriodSeconds > 0)
        {
            offsetSeconds %= PeriodSeconds;
        }

        return offsetSeconds >= StartOffsetSeconds && offsetSeconds < EndOffsetSeconds;
    }
}
