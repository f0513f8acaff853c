using StreamAnalytics.Formats;
using StreamAnalytics.Tools.Encoders;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Tools;

/// <summary>
/// Writes <see cref="LogicalSpan"/>s in each <see cref="SpanFormat"/>, the way that ecosystem's producers put them on
/// Kafka. Used by tests, the load generator and the benchmark; not a hot path.
/// </summary>
/// <remarks>
/// What each format can carry differs, so decoding an encoded span gives back the same ids, service, operation, kind,
/// error and peer, with these exceptions: Zipkin times are microseconds (truncated), Zipkin has no INTERNAL kind, only
/// Zipkin carries <see cref="LogicalSpan.Shared"/>, and a remote service name ranks below database/messaging attributes
/// when Zipkin carries it in <c>remoteEndpoint</c> but above them when the other formats carry it as <c>peer.service</c>.
/// </remarks>
public static class SpanEncoders
{
    /// <summary>
    /// Encodes <paramref name="spans"/>: otlp_* and zipkin_* as one message holding all of them, jaeger_* as one message
    /// per span (in input order).
    /// </summary>
    /// <exception cref="ArgumentException">An id is not hexadecimal.</exception>
    public static IReadOnlyList<byte[]> Encode(SpanFormat format, IReadOnlyList<LogicalSpan> spans) =>
        Encode(format, spans, int.MaxValue);

    /// <summary>
    /// As <see cref="Encode(SpanFormat, IReadOnlyList{LogicalSpan})"/>, but batch formats are split into messages of at
    /// most <paramref name="maxSpansPerMessage"/> spans (jaeger_* is always one span per message).
    /// </summary>
    public static IReadOnlyList<byte[]> Encode(SpanFormat format, IReadOnlyList<LogicalSpan> spans, int maxSpansPerMessage)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var messages = new List<byte[]>();
        switch (format)
        {
            case SpanFormat.JaegerProto:
            case SpanFormat.JaegerJson:
                foreach (LogicalSpan span in spans)
                    messages.Add(format == SpanFormat.JaegerProto ? JaegerEncoder.Proto(span) : JaegerEncoder.Json(span));
                return messages;
            case SpanFormat.OtlpProto:
            case SpanFormat.OtlpJson:
            case SpanFormat.ZipkinProto:
            case SpanFormat.ZipkinJson:
                foreach (ArraySegment<LogicalSpan> chunk in LogicalAttributes.Chunks(spans, maxSpansPerMessage))
                {
                    messages.Add(format switch
                    {
                        SpanFormat.OtlpProto => OtlpEncoder.Proto(chunk),
                        SpanFormat.OtlpJson => OtlpEncoder.Json(chunk),
                        SpanFormat.ZipkinProto => ZipkinEncoder.Proto(chunk),
                        _ => ZipkinEncoder.Json(chunk),
                    });
                }
                return messages;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown span format");
        }
    }
}
