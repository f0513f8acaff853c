using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using StreamAnalytics.Tools.Generated.Otlp;
using StreamAnalytics.Tools.Logical;
using OtlpSpan = StreamAnalytics.Tools.Generated.Otlp.Span;

namespace StreamAnalytics.Tools.Encoders;

/// <summary>
/// Writes spans as one OTLP request: one ResourceSpans per service (in order of first appearance, with a
/// <c>service.name</c> resource attribute) holding one ScopeSpans, as an SDK's batch exporter would.
/// </summary>
internal static class OtlpEncoder
{
    private const string ScopeName = "StreamAnalytics.Formats";

    public static byte[] Proto(IReadOnlyList<LogicalSpan> spans)
    {
        var request = new TracesData();
        foreach ((string service, List<LogicalSpan> group) in ByService(spans))
        {
            var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = ScopeName } };
            foreach (LogicalSpan span in group) scope.Spans.Add(ToProto(span));
            var resource = new Resource();
            resource.Attributes.Add(StringAttribute("service.name", service));
            var resourceSpans = new ResourceSpans { Resource = resource };
            resourceSpans.ScopeSpans.Add(scope);
            request.ResourceSpans.Add(resourceSpans);
        }
        return request.ToByteArray();
    }

    private static OtlpSpan ToProto(LogicalSpan span)
    {
        var result = new OtlpSpan
        {
            TraceId = ByteString.CopyFrom(LogicalAttributes.TraceId16(span)),
            SpanId = ByteString.CopyFrom(LogicalAttributes.SpanId8(span.SpanId, "span id")),
            Name = span.Operation,
            Kind = (OtlpSpan.Types.SpanKind)(int)span.Kind,
            StartTimeUnixNano = (ulong)span.StartUnixNanos,
            EndTimeUnixNano = (ulong)(span.StartUnixNanos + span.DurationNanos),
        };
        if (LogicalAttributes.HasParent(span))
            result.ParentSpanId = ByteString.CopyFrom(LogicalAttributes.SpanId8(span.ParentSpanId!, "parent span id"));
        foreach (KeyValuePair<string, string> attribute in LogicalAttributes.Strings(span, includeRemoteService: true))
            result.Attributes.Add(StringAttribute(attribute.Key, attribute.Value));
        if (span.HttpStatusCode != 0)
            result.Attributes.Add(new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = span.HttpStatusCode } });
        if (span.Error) result.Status = new Status { Code = Status.Types.StatusCode.Error };
        return result;
    }

    private static KeyValue StringAttribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    /// <summary>The OTLP/JSON mapping: hex ids, times as decimal strings, kind and status code as numbers.</summary>
    public static byte[] Json(IReadOnlyList<LogicalSpan> spans)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("resourceSpans");
            foreach ((string service, List<LogicalSpan> group) in ByService(spans))
            {
                json.WriteStartObject();
                json.WriteStartObject("resource");
                json.WriteStartArray("attributes");
                WriteStringAttribute(json, "service.name", service);
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteStartArray("scopeSpans");
                json.WriteStartObject();
                json.WriteStartObject("scope");
                json.WriteString("name", ScopeName);
                json.WriteEndObject();
                json.WriteStartArray("spans");
                foreach (LogicalSpan span in group) WriteJsonSpan(json, span);
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteJsonSpan(Utf8JsonWriter json, LogicalSpan span)
    {
        json.WriteStartObject();
        json.WriteString("traceId", LogicalAttributes.TraceHex(span, force128: true));
        json.WriteString("spanId", LogicalAttributes.SpanHex(span.SpanId));
        json.WriteString("parentSpanId", LogicalAttributes.HasParent(span) ? LogicalAttributes.SpanHex(span.ParentSpanId!) : "");
        json.WriteString("name", span.Operation);
        json.WriteNumber("kind", (int)span.Kind);
        json.WriteString("startTimeUnixNano", span.StartUnixNanos.ToString(System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("endTimeUnixNano", (span.StartUnixNanos + span.DurationNanos).ToString(System.Globalization.CultureInfo.InvariantCulture));
        json.WriteStartArray("attributes");
        foreach (KeyValuePair<string, string> attribute in LogicalAttributes.Strings(span, includeRemoteService: true))
            WriteStringAttribute(json, attribute.Key, attribute.Value);
        if (span.HttpStatusCode != 0)
        {
            json.WriteStartObject();
            json.WriteString("key", "http.response.status_code");
            json.WriteStartObject("value");
            json.WriteString("intValue", span.HttpStatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("status");
        if (span.Error) json.WriteNumber("code", 2);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteStringAttribute(Utf8JsonWriter json, string key, string value)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteStartObject("value");
        json.WriteString("stringValue", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static List<(string Service, List<LogicalSpan> Spans)> ByService(IReadOnlyList<LogicalSpan> spans)
    {
        var groups = new List<(string, List<LogicalSpan>)>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (LogicalSpan span in spans)
        {
            if (!index.TryGetValue(span.Service, out int i))
            {
                i = groups.Count;
                index.Add(span.Service, i);
                groups.Add((span.Service, new List<LogicalSpan>()));
            }
            groups[i].Item2.Add(span);
        }
        return groups;
    }
}
