using System.Buffers;
using System.Text.Json;
using StreamAnalytics.Features.Extract.Compact;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract;

/// <summary>
/// The JSON form of <see cref="TraceFeatures"/> (one line of <c>traces.ndjson</c>, one Elasticsearch document):
/// camelCase names in a fixed order, dictionaries as JSON objects with keys in ordinal order, so the same features
/// always give the same bytes. <see cref="Edge.DurationsUs"/> is not written.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class TraceFeaturesJson
{
    private static readonly JsonEncodedText TraceId = JsonEncodedText.Encode("traceId");
    private static readonly JsonEncodedText Revision = JsonEncodedText.Encode("revision");
    private static readonly JsonEncodedText CompletionReason = JsonEncodedText.Encode("completionReason");
    private static readonly JsonEncodedText StartTimeUs = JsonEncodedText.Encode("startTimeUs");
    private static readonly JsonEncodedText DurationUs = JsonEncodedText.Encode("durationUs");
    private static readonly JsonEncodedText SpanCount = JsonEncodedText.Encode("spanCount");
    private static readonly JsonEncodedText ServiceCount = JsonEncodedText.Encode("serviceCount");
    private static readonly JsonEncodedText ErrorCount = JsonEncodedText.Encode("errorCount");
    private static readonly JsonEncodedText RootService = JsonEncodedText.Encode("rootService");
    private static readonly JsonEncodedText RootOperation = JsonEncodedText.Encode("rootOperation");
    private static readonly JsonEncodedText RootError = JsonEncodedText.Encode("rootError");
    private static readonly JsonEncodedText Depth = JsonEncodedText.Encode("depth");
    private static readonly JsonEncodedText MaxFanOut = JsonEncodedText.Encode("maxFanOut");
    private static readonly JsonEncodedText SpanCounts = JsonEncodedText.Encode("spanCounts");
    private static readonly JsonEncodedText Edges = JsonEncodedText.Encode("edges");
    private static readonly JsonEncodedText Client = JsonEncodedText.Encode("client");
    private static readonly JsonEncodedText Server = JsonEncodedText.Encode("server");
    private static readonly JsonEncodedText ConnectionType = JsonEncodedText.Encode("connectionType");
    private static readonly JsonEncodedText Calls = JsonEncodedText.Encode("calls");
    private static readonly JsonEncodedText Errors = JsonEncodedText.Encode("errors");
    private static readonly JsonEncodedText TotalDurationUs = JsonEncodedText.Encode("totalDurationUs");
    private static readonly JsonEncodedText ServicePaths = JsonEncodedText.Encode("servicePaths");
    private static readonly JsonEncodedText CriticalPath = JsonEncodedText.Encode("criticalPath");
    private static readonly JsonEncodedText SpanId = JsonEncodedText.Encode("spanId");
    private static readonly JsonEncodedText Service = JsonEncodedText.Encode("service");
    private static readonly JsonEncodedText StartUs = JsonEncodedText.Encode("startUs");
    private static readonly JsonEncodedText EndUs = JsonEncodedText.Encode("endUs");
    private static readonly JsonEncodedText CriticalPathByService = JsonEncodedText.Encode("criticalPathByService");
    private static readonly JsonEncodedText CriticalPathOutsideRootUs = JsonEncodedText.Encode("criticalPathOutsideRootUs");
    private static readonly JsonEncodedText SelfTimeByOperation = JsonEncodedText.Encode("selfTimeByOperation");
    private static readonly JsonEncodedText NetworkLatencies = JsonEncodedText.Encode("networkLatencies");
    private static readonly JsonEncodedText Count = JsonEncodedText.Encode("count");
    private static readonly JsonEncodedText TotalUs = JsonEncodedText.Encode("totalUs");
    private static readonly JsonEncodedText MaxUs = JsonEncodedText.Encode("maxUs");
    private static readonly JsonEncodedText Quality = JsonEncodedText.Encode("quality");
    private static readonly JsonEncodedText OrphanSpans = JsonEncodedText.Encode("orphanSpans");
    private static readonly JsonEncodedText DuplicateSpanIds = JsonEncodedText.Encode("duplicateSpanIds");
    private static readonly JsonEncodedText ClockSkewSpans = JsonEncodedText.Encode("clockSkewSpans");
    private static readonly JsonEncodedText Truncated = JsonEncodedText.Encode("truncated");
    private static readonly JsonEncodedText DroppedSpans = JsonEncodedText.Encode("droppedSpans");
    private static readonly JsonEncodedText CycleSpans = JsonEncodedText.Encode("cycleSpans");

    private static readonly JsonEncodedText Omitted = JsonEncodedText.Encode("omitted");

    private static readonly JsonSerializerOptions ParseOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
    };

    /// <summary>Writes <paramref name="f"/> as one JSON object. The caller owns and flushes the writer.</summary>
    public static void Write(Utf8JsonWriter writer, TraceFeatures f)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        WriteProperties(writer, f);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes the properties of <paramref name="f"/> into an object the caller has started, so a document type can add
    /// fields of its own around them (the Elasticsearch document adds <c>@timestamp</c>).
    /// </summary>
    public static void WriteProperties(Utf8JsonWriter writer, TraceFeatures f)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(f);
        WriteTraceId(writer, f);
        writer.WriteNumber(Revision, f.Revision);
        writer.WriteString(CompletionReason, f.CompletionReason);
        writer.WriteNumber(StartTimeUs, f.StartTimeUs);
        writer.WriteNumber(DurationUs, f.DurationUs);
        writer.WriteNumber(SpanCount, f.SpanCount);
        writer.WriteNumber(ServiceCount, f.ServiceCount);
        writer.WriteNumber(ErrorCount, f.ErrorCount);
        writer.WriteString(RootService, f.RootService);
        writer.WriteString(RootOperation, f.RootOperation);
        writer.WriteBoolean(RootError, f.RootError);
        writer.WriteNumber(Depth, f.Depth);
        writer.WriteNumber(MaxFanOut, f.MaxFanOut);
        WriteMap(writer, SpanCounts, f.SpanCounts);

        writer.WriteStartArray(Edges);
        foreach (Edge e in f.Edges)
        {
            writer.WriteStartObject();
            writer.WriteString(Client, e.Client);
            writer.WriteString(Server, e.Server);
            writer.WriteString(ConnectionType, e.ConnectionType);
            writer.WriteNumber(Calls, e.Calls);
            writer.WriteNumber(Errors, e.Errors);
            writer.WriteNumber(TotalDurationUs, e.TotalDurationUs);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        WriteMap(writer, ServicePaths, f.ServicePaths);

        WriteCriticalPath(writer, f);
        if (f.CriticalPathByServiceIfBuilt is { } byService) WriteMap(writer, CriticalPathByService, byService);
        else WriteMap(writer, CriticalPathByService, f.CriticalPathByServiceEntries);
        writer.WriteNumber(CriticalPathOutsideRootUs, f.CriticalPathOutsideRootUs);
        if (f.SelfTimeByOperationIfBuilt is { } selfTime) WriteMap(writer, SelfTimeByOperation, selfTime);
        else WriteMap(writer, SelfTimeByOperation, f.SelfTimeByOperationEntries);
        WriteNetworkLatencies(writer, f);

        TraceQuality q = f.Quality;
        writer.WriteStartObject(Quality);
        writer.WriteNumber(OrphanSpans, q.OrphanSpans);
        writer.WriteNumber(DuplicateSpanIds, q.DuplicateSpanIds);
        writer.WriteNumber(ClockSkewSpans, q.ClockSkewSpans);
        writer.WriteBoolean(Truncated, q.Truncated);
        writer.WriteNumber(DroppedSpans, q.DroppedSpans);
        writer.WriteNumber(CycleSpans, q.CycleSpans);
        writer.WriteEndObject();

        // Only on capped documents (DocumentCaps), so an uncapped document's bytes do not change.
        if (f.Omitted is { } o)
        {
            writer.WriteStartObject(Omitted);
            writer.WriteNumber(SpanCounts, o.SpanCounts);
            writer.WriteNumber(Edges, o.Edges);
            writer.WriteNumber(ServicePaths, o.ServicePaths);
            writer.WriteNumber(CriticalPath, o.CriticalPath);
            writer.WriteNumber(CriticalPathByService, o.CriticalPathByService);
            writer.WriteNumber(SelfTimeByOperation, o.SelfTimeByOperation);
            writer.WriteNumber(NetworkLatencies, o.NetworkLatencies);
            writer.WriteEndObject();
        }
    }

    /// <summary>The UTF-8 JSON of <paramref name="f"/>, without indentation or a trailing newline.</summary>
    public static byte[] ToUtf8(TraceFeatures f)
    {
        ArgumentNullException.ThrowIfNull(f);
        // One buffer and writer per thread, reused: a new 1 KB buffer grown to a typical 4–8 KB document cost more
        // (allocation, zeroing, copies on growth) than writing the document itself.
        ReusableWriter output = t_writer ??= new ReusableWriter();
        output.Buffer.ResetWrittenCount();
        output.Writer.Reset(output.Buffer);
        Write(output.Writer, f);
        output.Writer.Flush();
        byte[] utf8 = output.Buffer.WrittenSpan.ToArray();
        // A rare huge trace must not pin its buffer on the thread for good.
        if (output.Buffer.Capacity > ReusableWriter.MaxKeptBytes) t_writer = null;
        return utf8;
    }

    [ThreadStatic] private static ReusableWriter? t_writer;

    private sealed class ReusableWriter
    {
        public const int MaxKeptBytes = 256 * 1024;
        public readonly ArrayBufferWriter<byte> Buffer = new(8192);
        public readonly Utf8JsonWriter Writer;

        // SkipValidation: Write emits a fixed, well-formed shape (tests parse every document back), so the writer's
        // per-token structure checks would only repeat that.
        public ReusableWriter() => Writer = new Utf8JsonWriter(Buffer, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Reads a document written by <see cref="Write"/>; field order does not matter and unknown fields are ignored.</summary>
    /// <exception cref="JsonException">The bytes are not a JSON object of this shape.</exception>
    public static TraceFeatures Parse(ReadOnlySpan<byte> utf8)
    {
        TraceFeatures? f = JsonSerializer.Deserialize<TraceFeatures>(utf8, ParseOptions);
        if (f is null) throw new JsonException("A trace features document must be a JSON object, not null.");
        // Normalise what a document may omit or null out, so readers never see a null collection.
        f.SpanCounts ??= new(StringComparer.Ordinal);
        f.Edges ??= [];
        f.ServicePaths ??= new(StringComparer.Ordinal);
        f.CriticalPath ??= [];
        f.CriticalPathByService ??= new(StringComparer.Ordinal);
        f.SelfTimeByOperation ??= new(StringComparer.Ordinal);
        f.NetworkLatencies ??= [];
        f.Quality ??= new();
        return f;
    }

    // The properties built on first read (TraceFeatures remarks): from the public value if it exists, else straight
    // from the compact form, with the same bytes.

    private static void WriteTraceId(Utf8JsonWriter writer, TraceFeatures f)
    {
        if (f.TraceIdIfBuilt is { } id)
        {
            writer.WriteString(TraceId, id);
            return;
        }
        Span<char> hex = stackalloc char[32];
        f.TraceIdValue.FormatHex(hex);
        writer.WriteString(TraceId, hex);
    }

    private static void WriteCriticalPath(Utf8JsonWriter writer, TraceFeatures f)
    {
        writer.WriteStartArray(CriticalPath);
        if (f.CriticalPathIfBuilt is { } path)
        {
            foreach (CriticalPathSection s in path) WriteSection(writer, s.SpanId, s.Service, s.StartUs, s.EndUs);
        }
        else
        {
            Span<char> hex = stackalloc char[16];
            foreach (ref readonly CriticalPathEntry s in f.CriticalPathEntries)
            {
                new Formats.Model.SpanId(s.SpanId).FormatHex(hex);
                WriteSection(writer, hex, s.Service, s.StartUs, s.EndUs);
            }
        }
        writer.WriteEndArray();
    }

    private static void WriteSection(Utf8JsonWriter writer, ReadOnlySpan<char> spanId, string service, long startUs, long endUs)
    {
        writer.WriteStartObject();
        writer.WriteString(SpanId, spanId);
        writer.WriteString(Service, service);
        writer.WriteNumber(StartUs, startUs);
        writer.WriteNumber(EndUs, endUs);
        writer.WriteEndObject();
    }

    private static void WriteNetworkLatencies(Utf8JsonWriter writer, TraceFeatures f)
    {
        writer.WriteStartArray(NetworkLatencies);
        if (f.NetworkLatenciesIfBuilt is { } latencies)
        {
            foreach (NetworkLatency l in latencies) WriteLatency(writer, l.Client, l.Server, l.Count, l.TotalUs, l.MaxUs);
        }
        else
        {
            foreach (ref readonly NetworkLatencyEntry l in f.NetworkLatencyEntries) WriteLatency(writer, l.Client, l.Server, l.Count, l.TotalUs, l.MaxUs);
        }
        writer.WriteEndArray();
    }

    private static void WriteLatency(Utf8JsonWriter writer, string client, string server, int count, long totalUs, long maxUs)
    {
        writer.WriteStartObject();
        writer.WriteString(Client, client);
        writer.WriteString(Server, server);
        writer.WriteNumber(Count, count);
        writer.WriteNumber(TotalUs, totalUs);
        writer.WriteNumber(MaxUs, maxUs);
        writer.WriteEndObject();
    }

    /// <summary>A compact map, as <see cref="WriteMap{T}(Utf8JsonWriter, JsonEncodedText, Dictionary{string, T})"/> writes its dictionary: keys sorted, repeated names summed.</summary>
    private static void WriteMap(Utf8JsonWriter writer, JsonEncodedText name, ReadOnlySpan<NamedTotal> entries)
    {
        writer.WriteStartObject(name);
        if (entries.Length > 0)
        {
            NamedTotal[] sorted = ArrayPool<NamedTotal>.Shared.Rent(entries.Length);
            entries.CopyTo(sorted);
            Array.Sort(sorted, 0, entries.Length, NamedTotal.ByName);
            for (int k = 0; k < entries.Length;)
            {
                string key = sorted[k].Name;
                long value = 0;
                for (; k < entries.Length && string.Equals(sorted[k].Name, key, StringComparison.Ordinal); k++) value += sorted[k].Value;
                writer.WriteNumber(Name(key), value);
            }
            Array.Clear(sorted, 0, entries.Length);
            ArrayPool<NamedTotal>.Shared.Return(sorted);
        }
        writer.WriteEndObject();
    }

    /// <summary>A dictionary as a JSON object (<c>int</c> and <c>long</c> values write the same digits).</summary>
    private static void WriteMap<T>(Utf8JsonWriter writer, JsonEncodedText name, Dictionary<string, T> map)
        where T : struct, System.Numerics.IBinaryInteger<T>
    {
        writer.WriteStartObject(name);
        if (map.Count > 0)
        {
            // The pairs, sorted by key: dictionary order depends on insertion history, and sorting makes equal
            // documents byte-identical. Sorting pairs, not keys, saves looking each key up again.
            KeyValuePair<string, T>[] pairs = ArrayPool<KeyValuePair<string, T>>.Shared.Rent(map.Count);
            int n = 0;
            foreach (KeyValuePair<string, T> pair in map) pairs[n++] = pair;
            Array.Sort(pairs, 0, n, PairByKey<T>.Instance);
            for (int k = 0; k < n; k++) writer.WriteNumber(Name(pairs[k].Key), long.CreateTruncating(pairs[k].Value));
            Array.Clear(pairs, 0, n);
            ArrayPool<KeyValuePair<string, T>>.Shared.Return(pairs);
        }
        writer.WriteEndObject();
    }

    private sealed class PairByKey<T> : IComparer<KeyValuePair<string, T>>
    {
        public static readonly PairByKey<T> Instance = new();
        public int Compare(KeyValuePair<string, T> x, KeyValuePair<string, T> y) => string.CompareOrdinal(x.Key, y.Key);
    }

    // Map keys escaped and transcoded once per thread per string instance: they are the extractors' interned strings,
    // the same instances document after document.
    [ThreadStatic] private static IdentityMemo<JsonEncodedText>? t_names;
    private const int MaxCachedNames = 8192;

    private static JsonEncodedText Name(string value) =>
        (t_names ??= new IdentityMemo<JsonEncodedText>(MaxCachedNames)).Get(value, static v => JsonEncodedText.Encode(v));
}
