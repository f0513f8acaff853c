using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Extract;

namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// One document ready for a bulk request: target index, <c>_id</c>, optional external version and the serialized
/// source. Built once when a document is handed to a sink, so retries and the file sink reuse the bytes.
/// </summary>
public sealed class SinkDocument
{
    private SinkDocument(string index, string id, long? version, ReadOnlyMemory<byte> source)
    {
        Index = index;
        Id = id;
        Version = version;
        Source = source;
    }

    /// <summary>The index, e.g. <c>trace-features-2026.01.01</c>.</summary>
    public string Index { get; }

    /// <summary>The document <c>_id</c>.</summary>
    public string Id { get; }

    /// <summary>
    /// For trace features: revision + 1, sent with <c>version_type: external</c> so that an older revision never
    /// overwrites a newer one. Null for aggregates (a replay's rewrite of the same window is meant to overwrite).
    /// </summary>
    public long? Version { get; }

    /// <summary>The UTF-8 JSON source (one line, no trailing newline).</summary>
    public ReadOnlyMemory<byte> Source { get; }

    /// <summary>
    /// The Elasticsearch sink's flush generation when the document was buffered (its acknowledgement tracking). A
    /// document instance is buffered by one sink at a time; each sink builds its own from the features or aggregate.
    /// </summary>
    internal long FlushGeneration { get; set; }

    /// <summary>Bytes this document holds in a sink buffer (source plus an estimate of its action line).</summary>
    public int BufferedBytes => Source.Length + Index.Length + Id.Length + 64;

    /// <summary>
    /// A trace-features document for index <c>{prefix}-YYYY.MM.DD</c> of the trace start, <c>_id</c> = trace id: the
    /// <see cref="FeaturesDocument"/>'s own bytes (the topic's record value), not serialized again.
    /// </summary>
    public static SinkDocument ForFeatures(FeaturesDocument document, string indexPrefix)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new SinkDocument(IndexNames.Features(indexPrefix, document.DaySuffix), document.Id, document.Version, document.Utf8);
    }

    /// <summary>As <see cref="ForFeatures(FeaturesDocument, string)"/> for features outside a topology (tests, tools): every feature, default caps.</summary>
    public static SinkDocument ForFeatures(TraceFeatures features, string indexPrefix) => ForFeatures(FeaturesDocument.Create(features), indexPrefix);

    /// <summary>An aggregate document for index <c>{prefix}-YYYY.MM.DD</c> of the window start, <c>_id</c> = <see cref="AggregateDocument.Id"/>.</summary>
    public static SinkDocument ForAggregate(AggregateDocument doc, string indexPrefix)
    {
        ArgumentNullException.ThrowIfNull(doc);
        return new SinkDocument(IndexNames.Aggregates(indexPrefix, AggregateDocumentJson.DaySuffix(doc.WindowStartMs)), doc.Id, null,
            DocumentBuffer.Serialize(doc, static (w, d) => AggregateDocumentJson.Write(w, d)));
    }

    /// <summary>A document with explicit parts (tests, other document types).</summary>
    public static SinkDocument Create(string index, string id, long? version, ReadOnlySpan<byte> source) => new(index, id, version, source.ToArray());
}
