using StreamAnalytics.Features.Extract;

namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// The document of one completed trace, serialized once: the same bytes are the <c>{app}-trace-features</c> record
/// value, the Elasticsearch <c>_source</c> and the file sink's line (<see cref="FeaturesDocumentJson"/> layout).
/// </summary>
/// <remarks>
/// <para>Made by <see cref="FeaturesSinkProcessor"/> from the extracted features: trimmed to <c>features.include</c>
/// (<see cref="FeatureSelection"/>), then capped (<see cref="DocumentCaps"/>), then written. Sinks that need the
/// features themselves (the demo's report, the bench) read <see cref="Features"/>, which is whole.</para>
/// <para>Lazy: the first read of <see cref="Written"/> or <see cref="Utf8"/> selects, caps and serializes, once, so a
/// job whose only sink reads <see cref="Features"/> does not pay for JSON. That first read must happen on one thread
/// (the task's: sinks' <c>Add</c> and the topic serializer run there); afterwards the document is immutable and the
/// byte array, shared by every consumer, is never written again.</para>
/// </remarks>
public sealed class FeaturesDocument
{
    private readonly FeatureSelection _selection;
    private readonly DocumentCaps _caps;
    private TraceFeatures? _written;
    private byte[]? _utf8;
    private string? _daySuffix;

    private FeaturesDocument(TraceFeatures features, FeatureSelection selection, DocumentCaps caps)
    {
        Features = features;
        _selection = selection;
        _caps = caps;
    }

    /// <summary>The features as extracted (not trimmed, not capped).</summary>
    public TraceFeatures Features { get; }

    /// <summary>The features as written: selected and capped (<see cref="TraceFeatures.Omitted"/> set when capped).</summary>
    public TraceFeatures Written => _written ??= _caps.Apply(_selection.Apply(Features));

    /// <summary>The UTF-8 JSON document, one line without a trailing newline.</summary>
    public ReadOnlyMemory<byte> Utf8 => TopicValue;

    /// <summary>The document id: the 32-hex trace id.</summary>
    public string Id => Features.TraceId;

    /// <summary>Revision + 1: the Elasticsearch external version, so an older revision never overwrites a newer one.</summary>
    public long Version => Features.Revision + 1L;

    /// <summary>The daily index suffix, <c>YYYY.MM.DD</c> of the trace start (UTC).</summary>
    public string DaySuffix => _daySuffix ??= FeaturesDocumentJson.DaySuffix(Features);

    /// <summary>True once the JSON exists (the first read of <see cref="Utf8"/>).</summary>
    internal bool IsSerialized => _utf8 is not null;

    /// <summary>The record value of the features topic: the document's own array (not a copy).</summary>
    internal byte[] TopicValue => _utf8 ??= FeaturesDocumentJson.ToUtf8(Written);

    /// <summary>The document of <paramref name="features"/>, selected, capped and serialized on first read.</summary>
    /// <param name="features">Features as extracted; not changed.</param>
    /// <param name="selection"><c>features.include</c>; default every feature.</param>
    /// <param name="caps">Per-list caps; default <see cref="DocumentCaps.Default"/>.</param>
    public static FeaturesDocument Create(TraceFeatures features, FeatureSelection? selection = null, DocumentCaps? caps = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        return new FeaturesDocument(features, selection ?? FeatureSelection.All, caps ?? DocumentCaps.Default);
    }
}
