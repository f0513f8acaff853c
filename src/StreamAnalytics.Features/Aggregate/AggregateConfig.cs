using System.Globalization;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>Settings of <see cref="WindowedAggregator"/>, with the config keys they are read from.</summary>
public sealed class AggregateConfig
{
    /// <summary><c>aggregate.window.ms</c>: tumbling window length. Default 60000 (1 min).</summary>
    public long WindowMs { get; init; } = 60_000;

    /// <summary>
    /// <c>aggregate.grace.ms</c>: how long after its end (in the caller's stream time) a window still accepts traces.
    /// Default 10000. A trace reaches the aggregator only once it is complete, i.e. at least <c>assembly.gap.ms</c>
    /// after its last span, so either the caller passes a stream time that accounts for that (see
    /// <see cref="WindowedAggregator.CloseWindows"/>) or the grace must exceed the gap plus typical trace duration.
    /// </summary>
    public long GraceMs { get; init; } = 10_000;

    /// <summary><c>aggregate.cardinality.limit</c>: distinct series per dimension kind per window. Default 10000.</summary>
    public int CardinalityLimit { get; init; } = 10_000;

    /// <summary><c>aggregate.max.open.windows</c>: windows held at once; beyond it the oldest is emitted early (counted). Default 32.</summary>
    public int MaxOpenWindows { get; init; } = 32;

    /// <summary><c>aggregate.sketch.relative.accuracy</c>: DDSketch α. Default 0.01.</summary>
    public double SketchRelativeAccuracy { get; init; } = DDSketch.DefaultRelativeAccuracy;

    /// <summary><c>aggregate.sketch.max.buckets</c>: DDSketch bucket bound. Default 2048.</summary>
    public int SketchMaxBuckets { get; init; } = DDSketch.DefaultMaxBuckets;

    /// <summary>The defaults.</summary>
    public static AggregateConfig Default { get; } = new();

    /// <summary>Which aggregators run (read by the job, which builds one per kind).</summary>
    public const string KindsKey = "aggregate.kinds";
    public const string WindowMsKey = "aggregate.window.ms";
    public const string GraceMsKey = "aggregate.grace.ms";
    public const string CardinalityLimitKey = "aggregate.cardinality.limit";
    public const string MaxOpenWindowsKey = "aggregate.max.open.windows";
    public const string SketchRelativeAccuracyKey = "aggregate.sketch.relative.accuracy";
    public const string SketchMaxBucketsKey = "aggregate.sketch.max.buckets";

    /// <summary>
    /// The <c>aggregate.*</c> keys with defaults read from <see cref="Default"/> (declared after it, which it reads),
    /// bounds and doc text, for the job registry and docs/CONFIGURATION.md. <c>aggregate.kinds</c> is listed here
    /// though the job reads it: it chooses which aggregators run rather than configuring one.
    /// </summary>
    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        ConfigKey.ListOf(KindsKey, AggregateKindNames.All, "Aggregates computed per window.", AggregateKindNames.All),
        ConfigKey.Integer(WindowMsKey, Default.WindowMs, 1000, 86_400_000, "Tumbling window size."),
        ConfigKey.Integer(GraceMsKey, Default.GraceMs, 0, 86_400_000, "How long after its end a window still accepts traces (by stream time)."),
        ConfigKey.Integer(CardinalityLimitKey, Default.CardinalityLimit, 1, 10_000_000, "Series per aggregate kind per window; more go to one overflow series."),
        ConfigKey.Integer(MaxOpenWindowsKey, Default.MaxOpenWindows, 1, 100_000, "Open windows per task; the oldest is emitted early beyond it."),
        ConfigKey.Text(SketchRelativeAccuracyKey, Default.SketchRelativeAccuracy.ToString(CultureInfo.InvariantCulture), "Relative accuracy of the DDSketch latency sketches, in (0, 1)."),
        ConfigKey.Integer(SketchMaxBucketsKey, Default.SketchMaxBuckets, MinSketchBuckets, 65_536, "Buckets per sketch; the lowest collapse beyond it."),
    ];

    /// <summary>Fewest sketch buckets accepted: below this the relative-accuracy guarantee holds for almost no range.</summary>
    public const int MinSketchBuckets = 16;

    /// <summary>Reads the <c>aggregate.*</c> keys; absent keys keep their defaults.</summary>
    /// <exception cref="ArgumentException">A value does not parse or is out of range (the message names the key).</exception>
    public static AggregateConfig FromProperties(IReadOnlyDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var d = Default;
        var config = new AggregateConfig
        {
            WindowMs = Long(properties, WindowMsKey, d.WindowMs),
            GraceMs = Long(properties, GraceMsKey, d.GraceMs),
            CardinalityLimit = (int)Long(properties, CardinalityLimitKey, d.CardinalityLimit),
            MaxOpenWindows = (int)Long(properties, MaxOpenWindowsKey, d.MaxOpenWindows),
            SketchRelativeAccuracy = properties.TryGetValue(SketchRelativeAccuracyKey, out var a)
                ? double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha) ? alpha
                    : throw new ArgumentException($"aggregate.sketch.relative.accuracy: '{a}' is not a number")
                : d.SketchRelativeAccuracy,
            SketchMaxBuckets = (int)Long(properties, SketchMaxBucketsKey, d.SketchMaxBuckets),
        };
        config.Validate();
        return config;
    }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">The first invalid setting, by key.</exception>
    public void Validate()
    {
        if (WindowMs <= 0) throw new ArgumentException($"aggregate.window.ms must be positive (got {WindowMs})");
        if (GraceMs < 0) throw new ArgumentException($"aggregate.grace.ms must not be negative (got {GraceMs})");
        if (CardinalityLimit < 1) throw new ArgumentException($"aggregate.cardinality.limit must be at least 1 (got {CardinalityLimit})");
        if (MaxOpenWindows < 1) throw new ArgumentException($"aggregate.max.open.windows must be at least 1 (got {MaxOpenWindows})");
        if (!(SketchRelativeAccuracy > 0 && SketchRelativeAccuracy < 1))
            throw new ArgumentException($"aggregate.sketch.relative.accuracy must be in (0, 1) (got {SketchRelativeAccuracy})");
        if (SketchMaxBuckets < MinSketchBuckets) throw new ArgumentException($"aggregate.sketch.max.buckets must be at least {MinSketchBuckets} (got {SketchMaxBuckets})");
    }

    private static long Long(IReadOnlyDictionary<string, string> p, string key, long fallback)
    {
        if (!p.TryGetValue(key, out var s)) return fallback;
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v > int.MaxValue && key != WindowMsKey && key != GraceMsKey)
            throw new ArgumentException($"{key}: '{s}' is not a valid integer");
        return v;
    }
}
