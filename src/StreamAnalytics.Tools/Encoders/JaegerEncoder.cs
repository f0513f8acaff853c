using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StreamAnalytics.Tools.Generated.Jaeger;
using StreamAnalytics.Tools.Logical;
using JaegerSpan = StreamAnalytics.Tools.Generated.Jaeger.Span;
using ValueType = StreamAnalytics.Tools.Generated.Jaeger.ValueType;

namespace StreamAnalytics.Tools.Encoders;

/// <summary>
/// Writes one <c>jaeger.api_v2.Span</c> per span, as the Jaeger collector does on Kafka. Kind goes in the
/// <c>span.kind</c> tag; an error is written as <c>error=true</c> plus <c>otel.status_code=ERROR</c>, as OpenTelemetry's
/// Jaeger translator does, so the decoded span says "status set" exactly like its OTLP twin.
/// </summary>
internal static class JaegerEncoder
{
    public static byte[] Proto(LogicalSpan span)
    {
        var result = new JaegerSpan
        {
            TraceId = ByteString.CopyFrom(LogicalAttributes.TraceId16(span)),
            SpanId = ByteString.CopyFrom(LogicalAttributes.SpanId8(span.SpanId, "span id")),
            OperationName = span.Operation,
            StartTime = new Timestamp { Seconds = FloorDiv(span.StartUnixNanos, 1_000_000_000), Nanos = (int)FloorMod(span.StartUnixNanos, 1_000_000_000) },
            Duration = new Duration { Seconds = span.DurationNanos / 1_000_000_000, Nanos = (int)(span.DurationNanos % 1_000_000_000) },
            Process = new Process { ServiceName = span.Service },
        };
        if (LogicalAttributes.HasParent(span))
        {
            result.References.Add(new SpanRef
            {
                TraceId = result.TraceId,
                SpanId = ByteString.CopyFrom(LogicalAttributes.SpanId8(span.ParentSpanId!, "parent span id")),
                RefType = SpanRefType.ChildOf,
            });
        }
        foreach (Tag tag in Tags(span))
        {
            var keyValue = new KeyValue { Key = tag.Key, VType = tag.Type };
            switch (tag.Type)
            {
                case ValueType.Bool: keyValue.VBool = tag.Bool; break;
                case ValueType.Int64: keyValue.VInt64 = tag.Int; break;
                default: keyValue.VStr = tag.Text; break;
            }
            result.Tags.Add(keyValue);
        }
        return result.ToByteArray();
    }

    /// <summary>The protobuf-JSON mapping Jaeger writes: base64 ids, RFC 3339 start, <c>"0.000100s"</c> duration, defaults omitted.</summary>
    public static byte[] Json(LogicalSpan span)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            byte[] traceId = LogicalAttributes.TraceId16(span);
            json.WriteStartObject();
            json.WriteBase64String("traceId", traceId);
            json.WriteBase64String("spanId", LogicalAttributes.SpanId8(span.SpanId, "span id"));
            json.WriteString("operationName", span.Operation);
            if (LogicalAttributes.HasParent(span))
            {
                json.WriteStartArray("references");
                json.WriteStartObject();
                json.WriteBase64String("traceId", traceId);
                json.WriteBase64String("spanId", LogicalAttributes.SpanId8(span.ParentSpanId!, "parent span id"));
                json.WriteEndObject(); // refType CHILD_OF is the default, so protobuf-JSON omits it
                json.WriteEndArray();
            }
            json.WriteString("startTime", FormatTimestamp(span.StartUnixNanos));
            json.WriteString("duration", FormatDuration(span.DurationNanos));
            json.WriteStartArray("tags");
            foreach (Tag tag in Tags(span))
            {
                json.WriteStartObject();
                json.WriteString("key", tag.Key);
                switch (tag.Type)
                {
                    case ValueType.Bool:
                        json.WriteString("vType", "BOOL");
                        json.WriteBoolean("vBool", tag.Bool);
                        break;
                    case ValueType.Int64:
                        json.WriteString("vType", "INT64");
                        json.WriteString("vInt64", tag.Int.ToString(CultureInfo.InvariantCulture));
                        break;
                    default:
                        json.WriteString("vStr", tag.Text); // vType STRING is the default, so omitted
                        break;
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("process");
            json.WriteString("serviceName", span.Service);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private readonly record struct Tag(string Key, ValueType Type, string Text = "", bool Bool = false, long Int = 0);

    private static List<Tag> Tags(LogicalSpan span)
    {
        var tags = new List<Tag>();
        string? kind = LogicalAttributes.JaegerKind(span.Kind);
        if (kind is not null) tags.Add(new Tag("span.kind", ValueType.String, kind));
        if (span.Error)
        {
            tags.Add(new Tag("error", ValueType.Bool, Bool: true));
            tags.Add(new Tag("otel.status_code", ValueType.String, "ERROR"));
        }
        if (span.HttpStatusCode != 0) tags.Add(new Tag("http.status_code", ValueType.Int64, Int: span.HttpStatusCode));
        foreach (KeyValuePair<string, string> attribute in LogicalAttributes.Strings(span, includeRemoteService: true))
            tags.Add(new Tag(attribute.Key, ValueType.String, attribute.Value));
        return tags;
    }

    /// <summary>RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf-JSON writes a Timestamp.</summary>
    internal static string FormatTimestamp(long unixNanos)
    {
        long seconds = FloorDiv(unixNanos, 1_000_000_000);
        long nanos = FloorMod(unixNanos, 1_000_000_000);
        string whole = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return whole + Fraction(nanos) + "Z";
    }

    /// <summary>Seconds with 0, 3, 6 or 9 fractional digits and an <c>s</c>, as protobuf-JSON writes a Duration.</summary>
    internal static string FormatDuration(long nanos)
    {
        string sign = nanos < 0 ? "-" : "";
        long magnitude = Math.Abs(nanos);
        return sign + (magnitude / 1_000_000_000).ToString(CultureInfo.InvariantCulture) + Fraction(magnitude % 1_000_000_000) + "s";
    }

    private static string Fraction(long nanos)
    {
        if (nanos == 0) return "";
        if (nanos % 1_000_000 == 0) return "." + (nanos / 1_000_000).ToString("D3", CultureInfo.InvariantCulture);
        if (nanos % 1_000 == 0) return "." + (nanos / 1_000).ToString("D6", CultureInfo.InvariantCulture);
        return "." + nanos.ToString("D9", CultureInfo.InvariantCulture);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static long FloorMod(long a, long b) => a - FloorDiv(a, b) * b;
}
