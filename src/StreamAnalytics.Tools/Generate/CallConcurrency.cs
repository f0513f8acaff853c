namespace StreamAnalytics.Tools.Generate;

/// <summary>How the repeats of one <see cref="CallDefinition"/> are scheduled.</summary>
public enum CallConcurrency
{
    /// <summary>Each repeat starts after the previous one returned (an N+1 query loop).</summary>
    Sequential,

    /// <summary>All repeats start together, a few microseconds apart, and overlap (a fan-out).</summary>
    Parallel,
}
