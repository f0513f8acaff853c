namespace StreamAnalytics.Formats;

/// <summary>
/// Decodes one Kafka message value of one <see cref="SpanFormat"/> into compact spans.
/// </summary>
/// <remarks>
/// Never throws for bad input: a message is all-or-nothing. On failure the decoder returns false with a
/// <see cref="DecodeError"/> and leaves the output <see cref="SpanBatch"/> as it found it, so valid messages before and after it
/// still decode and the bad one can go to the dead-letter topic whole. Decoders are stateless apart from the shared
/// <c>StringTable</c>, so one instance may be used from several threads, each with its own <see cref="SpanBatch"/>.
/// </remarks>
public interface ISpanDecoder
{
    SpanFormat Format { get; }

    bool TryDecode(ReadOnlySpan<byte> message, SpanBatch output, out DecodeError? error);
}
