using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Jaeger;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Otlp;
using StreamAnalytics.Formats.Zipkin;

namespace StreamAnalytics.Formats;

/// <summary>Creates the decoder of each <see cref="SpanFormat"/>.</summary>
public static class SpanDecoders
{
    /// <summary>A decoder with the default limits (<see cref="DecoderOptions.Default"/>).</summary>
    /// <param name="format">The format of the topic.</param>
    /// <param name="strings">The table names are interned into; the decoder keeps it for its lifetime.</param>
    /// <returns>A stateless decoder that may be shared by threads (each with its own <see cref="SpanBatch"/>).</returns>
    public static ISpanDecoder Create(SpanFormat format, StringTable strings) => Create(format, strings, DecoderOptions.Default);

    /// <summary>A decoder with explicit limits.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The format is unknown or a limit is invalid (the message names the config key).</exception>
    public static ISpanDecoder Create(SpanFormat format, StringTable strings, DecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(strings);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ISpanDecoder decoder = format switch
        {
            SpanFormat.OtlpProto => new OtlpProtoDecoder(strings, options),
            SpanFormat.OtlpJson => new OtlpJsonDecoder(strings, options),
            SpanFormat.JaegerProto => new JaegerProtoDecoder(strings),
            SpanFormat.JaegerJson => new JaegerJsonDecoder(strings, options),
            SpanFormat.ZipkinJson => new ZipkinJsonDecoder(strings, options),
            SpanFormat.ZipkinProto => new ZipkinProtoDecoder(strings, options),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown span format"),
        };
        return new FramedSpanDecoder(decoder, options.Framing);
    }
}
