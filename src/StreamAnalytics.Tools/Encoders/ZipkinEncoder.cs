using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using StreamAnalytics.Tools.Generated.Zipkin;
using StreamAnalytics.Tools.Logical;
using Zipkin = StreamAnalytics.Formats.Zipkin;
using ZipkinSpan = StreamAnalytics.Tools.Generated.Zipkin.Span;

namespace StreamAnalytics.Tools.Encoders;

/// <summary>
/// Writes a list of Zipkin v2 spans. Times become microseconds (truncated); the remote service goes into
/// <c>remoteEndpoint.serviceName</c> (<see cref="LogicalSpan.RemoteServiceName"/>, else <see cref="LogicalSpan.PeerService"/>);
/// an error is <c>error=true</c> plus <c>otel.status_code=ERROR</c>, as OpenTelemetry's Zipkin exporter writes it. Zipkin
/// has no INTERNAL kind, so an internal span is written without a kind.
/// </summary>
internal static class ZipkinEncoder
{
    public static byte[] Proto(IReadOnlyList<LogicalSpan> spans)
    {
        var list = new ListOfSpans();
        foreach (LogicalSpan span in spans)
        {
            var result = new ZipkinSpan
            {
                TraceId = ByteString.CopyFrom(LogicalAttributes.TraceIdNative(span)),
                Id = ByteString.CopyFrom(LogicalAttributes.SpanId8(span.SpanId, "span id")),
                Kind = (ZipkinSpan.Types.Kind)Zipkin.ZipkinKinds.ToProto(span.Kind),
                Name = span.Operation,
                Timestamp = (ulong)(span.StartUnixNanos / 1000),
                Duration = (ulong)(span.DurationNanos / 1000),
                LocalEndpoint = new Endpoint { ServiceName = span.Service },
                Shared = span.Shared,
            };
            if (LogicalAttributes.HasParent(span))
                result.ParentId = ByteString.CopyFrom(LogicalAttributes.SpanId8(span.ParentSpanId!, "parent span id"));
            string? remote = span.RemoteServiceName ?? span.PeerService;
            if (!string.IsNullOrEmpty(remote)) result.RemoteEndpoint = new Endpoint { ServiceName = remote };
            foreach (KeyValuePair<string, string> tag in Tags(span)) result.Tags[tag.Key] = tag.Value;
            list.Spans.Add(result);
        }
        return list.ToByteArray();
    }

    public static byte[] Json(IReadOnlyList<LogicalSpan> spans)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (LogicalSpan span in spans)
            {
                json.WriteStartObject();
                json.WriteString("traceId", LogicalAttributes.TraceHex(span, force128: false));
                if (LogicalAttributes.HasParent(span)) json.WriteString("parentId", LogicalAttributes.SpanHex(span.ParentSpanId!));
                json.WriteString("id", LogicalAttributes.SpanHex(span.SpanId));
                string? kind = Zipkin.ZipkinKinds.ToJson(span.Kind);
                if (kind is not null) json.WriteString("kind", kind);
                json.WriteString("name", span.Operation);
                json.WriteNumber("timestamp", span.StartUnixNanos / 1000);
                json.WriteNumber("duration", span.DurationNanos / 1000);
                json.WriteStartObject("localEndpoint");
                json.WriteString("serviceName", span.Service);
                json.WriteEndObject();
                string? remote = span.RemoteServiceName ?? span.PeerService;
                if (!string.IsNullOrEmpty(remote))
                {
                    json.WriteStartObject("remoteEndpoint");
                    json.WriteString("serviceName", remote);
                    json.WriteEndObject();
                }
                List<KeyValuePair<string, string>> tags = Tags(span);
                if (tags.Count > 0)
                {
                    json.WriteStartObject("tags");
                    foreach (KeyValuePair<string, string> tag in tags) json.WriteString(tag.Key, tag.Value);
                    json.WriteEndObject();
                }
                if (span.Shared) json.WriteBoolean("shared", true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static List<KeyValuePair<string, string>> Tags(LogicalSpan span)
    {
        List<KeyValuePair<string, string>> tags = LogicalAttributes.Strings(span, includeRemoteService: false);
        if (span.Error)
        {
            tags.Add(new("error", "true"));
            tags.Add(new("otel.status_code", "ERROR"));
        }
        if (span.HttpStatusCode != 0) tags.Add(new("http.status_code", span.HttpStatusCode.ToString(CultureInfo.InvariantCulture)));
        return tags;
    }
}
