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

    /// <summary>Key of <see cref="MaxDocumentEntries"/>.</summary>
    public const string MaxDocumentEntriesKey = "features.document.max.entries";

    /// <summary>Key of <see cref="MaxCriticalPathSections"/>.</summary>
    public const string MaxCriticalPathSectionsKey = "features.document.max.critical.path.sections";

    /// <summary>Smallest and largest accepted per-list cap of the document.</summary>
    public const int MinDocumentEntries = 10, MaxDocumentEntriesLimit = 1_000_000;

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
        ConfigKey.Integer(MaxDocumentEntriesKey, Default.MaxDocumentEntries, MinDocumentEntries, MaxDocumentEntriesLimit, "Most entries of each per-trace map or list in a trace document (spanCounts, edges, servicePaths, criticalPathByService, selfTimeByOperation, networkLatencies); the largest are kept, the rest counted in the document's omitted object. Aggregates see every entry."),
        ConfigKey.Integer(MaxCriticalPathSectionsKey, Default.MaxCriticalPathSections, MinDocumentEntries, MaxDocumentEntriesLimit, "Most criticalPath sections in a trace document; the longest are kept in path order, the rest counted in omitted.criticalPath."),
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

    /// <summary>
    /// Most entries of each per-trace map or list written in a trace document (<c>spanCounts</c>, <c>edges</c>,
    /// <c>servicePaths</c>, <c>criticalPathByService</c>, <c>selfTimeByOperation</c>, <c>networkLatencies</c>). A
    /// 10,000-span trace inside <c>assembly.max.spans.per.trace</c> can otherwise give a document over Kafka's 1 MB
    /// <c>message.max.bytes</c>; the largest entries are kept and the document's <c>omitted</c> object counts the rest.
    /// Only documents are capped: aggregation reads the features whole. Range 10–1,000,000. default: 1000.
    /// </summary>
    public int MaxDocumentEntries { get; init; } = 1000;

    /// <summary>
    /// Most <c>criticalPath</c> sections written in a trace document: the longest are kept, in path order
    /// (<c>omitted.criticalPath</c> counts the rest; <c>criticalPathByService</c> is summed over the whole path).
    /// Range 10–1,000,000. default: 1000.
    /// </summary>
    public int MaxCriticalPathSections { get; init; } = 1000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the key of the first invalid setting.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(LinkSemantics))
            throw new ArgumentException($"{LinkSemanticsKey} must be auto, parent, zipkin or opentelemetry; got {(int)LinkSemantics}.");
        if (MaxServicePathLength is < MinServicePathLength or > MaxServicePathLengthLimit)
            throw new ArgumentException($"{MaxServicePathLengthKey} must be between 2 and 1024; got {MaxServicePathLength}.");
        if (MaxDocumentEntries is < MinDocumentEntries or > MaxDocumentEntriesLimit)
            throw new ArgumentException($"{MaxDocumentEntriesKey} must be between {MinDocumentEntries} and {MaxDocumentEntriesLimit}; got {MaxDocumentEntries}.");
        if (MaxCriticalPathSections is < MinDocumentEntries or > MaxDocumentEntriesLimit)
            throw new ArgumentException($"{MaxCriticalPathSectionsKey} must be between {MinDocumentEntries} and {MaxDocumentEntriesLimit}; got {MaxCriticalPathSections}.");
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
        int maxEntries = ReadInt(properties, MaxDocumentEntriesKey, Default.MaxDocumentEntries);
        int maxSections = ReadInt(properties, MaxCriticalPathSectionsKey, Default.MaxCriticalPathSections);
        var config = new FeatureConfig
        {
            LinkSemantics = semantics, MaxServicePathLength = maxPath, MaxDocumentEntries = maxEntries, MaxCriticalPathSections = maxSections,
        };
        config.Validate();
        return config;
    }

    private static int ReadInt(IReadOnlyDictionary<string, string> properties, string key, int fallback)
    {
        if (!properties.TryGetValue(key, out string? text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new ArgumentException($"{key} must be an integer; got '{text}'.");
        return value;
    }
}
