namespace StreamAnalytics.Formats.Decoding;

/// <summary>
/// Applies <see cref="SourceFraming"/> in front of a format's decoder: strips Confluent framing before decoding and
/// reports framing problems as decode errors (so the message is dead-lettered with a reason naming
/// <c>source.framing</c>). Errors of the payload keep their byte offsets relative to the whole message.
/// </summary>
internal sealed class FramedSpanDecoder(ISpanDecoder inner, SourceFraming framing) : ISpanDecoder
{
    private readonly bool _protobuf = inner.Format is SpanFormat.OtlpProto or SpanFormat.JaegerProto or SpanFormat.ZipkinProto;

    public SpanFormat Format => inner.Format;

    public bool TryDecode(ReadOnlySpan<byte> message, SpanBatch output, out DecodeError? error)
    {
        bool leadingZero = !message.IsEmpty && message[0] == ConfluentFraming.MagicByte;
        if (framing == SourceFraming.None || (framing == SourceFraming.Auto && !leadingZero))
        {
            if (leadingZero)
            {
                // Decoding would fail anyway (0 cannot start protobuf or JSON); say why in terms the operator can act on.
                error = new DecodeError(Format, DecodeErrorKind.Malformed,
                    $"the message starts with byte 0, as Confluent Schema Registry framing does, but {SourceFramingNames.Key}=none; set it to auto or confluent", 0);
                return false;
            }
            return inner.TryDecode(message, output, out error);
        }

        int header = ConfluentFraming.HeaderLength(message, _protobuf, out string? reason);
        if (header < 0)
        {
            error = new DecodeError(Format, message.IsEmpty ? DecodeErrorKind.Empty : DecodeErrorKind.Malformed,
                $"{SourceFramingNames.Key}={framing.ToConfigName()}: not Confluent Schema Registry framing: {reason}", 0);
            return false;
        }
        if (inner.TryDecode(message[header..], output, out error)) return true;
        if (error is { ByteOffset: >= 0 }) error = error with { ByteOffset = error.ByteOffset + header };
        return false;
    }
}
