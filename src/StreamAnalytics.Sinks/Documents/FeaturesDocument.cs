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
/// <para>Immutable once made; the byte array is shared by every consumer and never written again.</para>
/// </remarks>
public sealed class FeaturesDocument
{
    private readonly byte[] _utf8;

    private FeaturesDocument(TraceFeatures features, TraceFeatures written, byte[] utf8)
    {
        Features = features;
        Written = written;
        _utf8 = utf8;
        DaySuffix = FeaturesDocumentJson.DaySuffix(features);
    }

    /// <summary>The features as extracted (not trimmed, not capped).</summary>
    public TraceFeatures Features { get; }

    /// <summary>The features as written: selected and capped (<see cref="TraceFeatures.Omitted"/> set when capped).</summary>
    public TraceFeatures Written { get; }

    /// <summary>The UTF-8 JSON document, one line without a trailing newline.</summary>
    public ReadOnlyMemory<byte> Utf8 => _utf8;

    /// <summary>The document id: the 32-hex trace id.</summary>
    public string Id => Features.TraceId;

    /// <summary>Revision + 1: the Elasticsearch external version, so an older revision never overwrites a newer one.</summary>
    public long Version => Features.Revision + 1L;

    /// <summary>The daily index suffix, <c>YYYY.MM.DD</c> of the trace start (UTC).</summary>
    public string DaySuffix { get; }

    /// <summary>The record value of the features topic: the document's own array (not a copy).</summary>
    internal byte[] TopicValue => _utf8;

    /// <summary>Selects, caps and serializes <paramref name="features"/>.</summary>
    /// <param name="features">Features as extracted; not changed.</param>
    /// <param name="selection"><c>features.include</c>; default every feature.</param>
    /// <param name="caps">Per-list caps; default <see cref="DocumentCaps.Default"/>.</param>
    public static FeaturesDocument Create(TraceFeatures features, FeatureSelection? selection = null, DocumentCaps? caps = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        TraceFeatures written = (caps ?? DocumentCaps.Default).Apply((selection ?? FeatureSelection.All).Apply(features));
        return new FeaturesDocument(features, written, FeaturesDocumentJson.ToUtf8(written));
    }
}
