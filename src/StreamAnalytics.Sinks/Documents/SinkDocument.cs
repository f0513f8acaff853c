using System.Text.Json;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Sinks.Internal;

namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// One document ready for a bulk request: target index, <c>_id</c>, optional external version and the serialized
/// source. Built once when a document is handed to a sink, so retries and the file sink reuse the bytes.
/// </summary>
public sealed class SinkDocument
{
    private SinkDocument(string index, string id, long? version, byte[] source)
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

    /// <summary>Bytes this document holds in a sink buffer (source plus an estimate of its action line).</summary>
    public int BufferedBytes => Source.Length + Index.Length + Id.Length + 64;

    /// <summary>A trace-features document for index <c>{prefix}-YYYY.MM.DD</c> of the trace start, <c>_id</c> = trace id.</summary>
    public static SinkDocument ForFeatures(TraceFeatures features, string indexPrefix)
    {
        ArgumentNullException.ThrowIfNull(features);
        return new SinkDocument($"{indexPrefix}-{FeaturesDocumentJson.DaySuffix(features)}", features.TraceId, features.Revision + 1L,
            Serialize(features, static (w, f) => FeaturesDocumentJson.Write(w, f)));
    }

    /// <summary>An aggregate document for index <c>{prefix}-YYYY.MM.DD</c> of the window start, <c>_id</c> = <see cref="AggregateDocument.Id"/>.</summary>
    public static SinkDocument ForAggregate(AggregateDocument doc, string indexPrefix)
    {
        ArgumentNullException.ThrowIfNull(doc);
        return new SinkDocument($"{indexPrefix}-{AggregateDocumentJson.DaySuffix(doc.WindowStartMs)}", doc.Id, null,
            Serialize(doc, static (w, d) => AggregateDocumentJson.Write(w, d)));
    }

    /// <summary>A document with explicit parts (tests, other document types).</summary>
    public static SinkDocument Create(string index, string id, long? version, ReadOnlySpan<byte> source) => new(index, id, version, source.ToArray());

    [ThreadStatic] private static PooledBufferWriter? t_buffer;

    private static byte[] Serialize<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        var buffer = t_buffer ??= new PooledBufferWriter(16 * 1024);
        buffer.Reset();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true })) write(writer, value);
        return buffer.WrittenSpan.ToArray();
    }
}
