using System.Buffers;
using System.Text.Json;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Internal;

namespace StreamAnalytics.Sinks.Elasticsearch;

/// <summary>
/// Writes a <c>_bulk</c> body: per document an action line
/// <c>{"index":{"_index":…,"_id":…[,"version":n,"version_type":"external"]}}</c> and the source line, each ending in
/// <c>\n</c> (the API requires the final newline). Writes through <see cref="Utf8JsonWriter"/> into a pooled buffer
/// reused across requests.
/// </summary>
/// <remarks>Not thread-safe; one per sender. Dispose returns the buffer to the pool.</remarks>
internal sealed class BulkRequestWriter : IDisposable
{
    private readonly PooledBufferWriter _buffer;
    private readonly Utf8JsonWriter _json;

    public BulkRequestWriter(int initialCapacity = 64 * 1024)
    {
        _buffer = new PooledBufferWriter(initialCapacity);
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    public int Count { get; private set; }

    public int WrittenBytes => _buffer.WrittenCount;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public void Reset()
    {
        _buffer.Reset();
        _json.Reset(_buffer);
        Count = 0;
    }

    public void Add(SinkDocument doc)
    {
        WriteAction(_json, doc);
        _json.Flush();
        _json.Reset(_buffer);
        _buffer.Write("\n"u8);
        _buffer.Write(doc.Source.Span);
        _buffer.Write("\n"u8);
        Count++;
    }

    /// <summary>Writes the action line's JSON (without newline) of <paramref name="doc"/>.</summary>
    public static void WriteAction(Utf8JsonWriter json, SinkDocument doc)
    {
        json.WriteStartObject();
        json.WriteStartObject("index"u8);
        json.WriteString("_index"u8, doc.Index);
        json.WriteString("_id"u8, doc.Id);
        if (doc.Version is long version)
        {
            json.WriteNumber("version"u8, version);
            json.WriteString("version_type"u8, "external"u8);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Writes action and source lines of <paramref name="doc"/> to <paramref name="output"/> (file sink).</summary>
    public static void WriteTo(IBufferWriter<byte> output, SinkDocument doc)
    {
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true })) WriteAction(json, doc);
        output.Write("\n"u8);
        output.Write(doc.Source.Span);
        output.Write("\n"u8);
    }

    public void Dispose()
    {
        _json.Dispose();
        _buffer.Dispose();
    }
}
