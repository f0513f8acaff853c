using System.Globalization;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Features.Extract;

/// <summary>
/// Settings of <see cref="TraceFeatureExtractor"/>, as dotted keys under <c>features.</c>.
/// </summary>
/// <remarks>Immutable once built; <see cref="Validate"/> is called by the extractor's constructor.</remarks>
public sealed class FeatureConfig
{
    /// <summary>Key of <see cref="LinkSemantics"/>.</summary>
    public const string LinkSemanticsKey = "features.links.semantics";

    /// <summary>Key of <see cref="MaxServicePathLength"/>.</summary>
    public const string MaxServicePathLengthKey = "features.service.paths.max.length";

    /// <summary>A config with every default.</summary>
    public static FeatureConfig Default { get; } = new();

    /// <summary>Accepted <see cref="LinkSemantics"/> names, as configured.</summary>
    public static readonly IReadOnlyList<string> LinkSemanticsNames = ["auto", "parent", "zipkin", "opentelemetry"];

    /// <summary>Shortest and longest accepted <see cref="MaxServicePathLength"/>.</summary>
    public const int MinServicePathLength = 2, MaxServicePathLengthLimit = 1024;

    /// <summary>The <c>features.*</c> keys of the extractor, defaults read from <see cref="Default"/> (declared after it).</summary>
    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        ConfigKey.OneOf(LinkSemanticsKey, NameOf(Default.LinkSemantics), LinkSemanticsNames, "How dependency edges are built: parent (change of service = call), zipkin (DependencyLinker), opentelemetry (servicegraph connector), auto (by the span kinds present)."),
        ConfigKey.Integer(MaxServicePathLengthKey, Default.MaxServicePathLength, MinServicePathLength, MaxServicePathLengthLimit, "Most services in one servicePaths key; a longer chain keeps its first services followed by '...'."),
    ];

    private static string NameOf(LinkSemantics semantics) => semantics switch
    {
        LinkSemantics.Parent => "parent",
        LinkSemantics.Zipkin => "zipkin",
        LinkSemantics.OpenTelemetry => "opentelemetry",
        _ => "auto",
    };

    /// <summary>
    /// How service dependency edges are derived: <c>auto</c>, <c>parent</c>, <c>zipkin</c> or <c>opentelemetry</c>.
    /// default: <c>auto</c>. importance: high.
    /// </summary>
    public LinkSemantics LinkSemantics { get; init; } = LinkSemantics.Auto;

    /// <summary>
    /// Most services kept in one <c>servicePaths</c> key. A longer chain keeps its first
    /// <c>MaxServicePathLength</c> services followed by <c>...</c>, which bounds the key size (and the work) for a
    /// hostile trace that alternates services down a deep chain. Range 2–1024. default: 32. importance: low.
    /// </summary>
    public int MaxServicePathLength { get; init; } = 32;

    /// <summary>Throws <see cref="ArgumentException"/> naming the key of the first invalid setting.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(LinkSemantics))
            throw new ArgumentException($"{LinkSemanticsKey} must be auto, parent, zipkin or opentelemetry; got {(int)LinkSemantics}.");
        if (MaxServicePathLength is < MinServicePathLength or > MaxServicePathLengthLimit)
            throw new ArgumentException($"{MaxServicePathLengthKey} must be between 2 and 1024; got {MaxServicePathLength}.");
    }

    /// <summary>
    /// Reads the <c>features.</c> keys from string properties (other keys are ignored) and validates the result.
    /// </summary>
    /// <exception cref="ArgumentException">A value cannot be parsed or is out of range; the message names the key.</exception>
    public static FeatureConfig FromProperties(IReadOnlyDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var semantics = LinkSemantics.Auto;
        int maxPath = Default.MaxServicePathLength;
        if (properties.TryGetValue(LinkSemanticsKey, out string? s))
        {
            semantics = s.Trim().ToLowerInvariant() switch
            {
                "auto" => LinkSemantics.Auto,
                "parent" => LinkSemantics.Parent,
                "zipkin" => LinkSemantics.Zipkin,
                "opentelemetry" or "otel" => LinkSemantics.OpenTelemetry,
                _ => throw new ArgumentException($"{LinkSemanticsKey} must be auto, parent, zipkin or opentelemetry; got '{s}'."),
            };
        }
        if (properties.TryGetValue(MaxServicePathLengthKey, out string? m))
        {
            if (!int.TryParse(m, NumberStyles.Integer, CultureInfo.InvariantCulture, out maxPath))
                throw new ArgumentException($"{MaxServicePathLengthKey} must be an integer; got '{m}'.");
        }
        var config = new FeatureConfig { LinkSemantics = semantics, MaxServicePathLength = maxPath };
        config.Validate();
        return config;
    }
}
