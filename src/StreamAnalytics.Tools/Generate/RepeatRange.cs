namespace StreamAnalytics.Tools.Generate;

/// <summary>How many times a call is made each time its caller runs: uniform between <see cref="Min"/> and <see cref="Max"/>, inclusive.</summary>
public sealed class RepeatRange
{
    /// <summary>Fewest repeats; at least 1 (use <see cref="CallDefinition.Probability"/> to skip a call).</summary>
    public int Min { get; init; } = 1;

    /// <summary>Most repeats; at least <see cref="Min"/> and at most <see cref="SimulatedSystem.MaxRepeat"/>.</summary>
    public int Max { get; init; } = 1;

    /// <summary>Creates a range of exactly one call.</summary>
    public RepeatRange()
    {
    }

    /// <summary>Creates a range from <paramref name="min"/> to <paramref name="max"/> calls, inclusive.</summary>
    public RepeatRange(int min, int max)
    {
        Min = min;
        Max = max;
    }
}
