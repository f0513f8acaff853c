namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// Deliberate clock skew, so that trace-quality checks have something to find. Only SERVER spans are skewed: they are the only spans
/// timed by another host's clock than their parent's. A skewed server span is moved, with its whole subtree, just outside its client
/// span's interval (before its start or after its end), as an unsynchronised host clock would place it.
/// </summary>
public sealed class ClockSkewSettings
{
    /// <summary>Fraction of server spans that are skewed, 0 to 1. Default 0.005.</summary>
    public double Fraction { get; init; } = 0.005;

    /// <summary>Largest distance, in milliseconds, that a skewed span lies outside its parent; must be positive when <see cref="Fraction"/> is. Default 5.</summary>
    public double MaxMs { get; init; } = 5;
}
