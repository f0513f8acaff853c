using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Zipkin;

/// <summary>
/// Zipkin's kinds in both encodings. Zipkin numbers them differently from OTLP (CLIENT = 1 … CONSUMER = 4) and has no
/// INTERNAL: a local span simply has no kind, so <see cref="SpanKind.Internal"/> does not survive a trip through Zipkin.
/// Public because the Zipkin encoder (StreamAnalytics.Tools) writes the same mapping the decoders read.
/// </summary>
public static class ZipkinKinds
{
    public static SpanKind FromProto(ulong kind) => kind switch
    {
        1 => SpanKind.Client,
        2 => SpanKind.Server,
        3 => SpanKind.Producer,
        4 => SpanKind.Consumer,
        _ => SpanKind.Unspecified,
    };

    public static bool TryFromJson(ReadOnlySpan<byte> kind, out SpanKind value)
    {
        if (kind.SequenceEqual("CLIENT"u8)) value = SpanKind.Client;
        else if (kind.SequenceEqual("SERVER"u8)) value = SpanKind.Server;
        else if (kind.SequenceEqual("PRODUCER"u8)) value = SpanKind.Producer;
        else if (kind.SequenceEqual("CONSUMER"u8)) value = SpanKind.Consumer;
        else
        {
            value = SpanKind.Unspecified;
            return kind.IsEmpty;
        }
        return true;
    }

    public static int ToProto(SpanKind kind) => kind switch
    {
        SpanKind.Client => 1,
        SpanKind.Server => 2,
        SpanKind.Producer => 3,
        SpanKind.Consumer => 4,
        _ => 0,
    };

    public static string? ToJson(SpanKind kind) => kind switch
    {
        SpanKind.Client => "CLIENT",
        SpanKind.Server => "SERVER",
        SpanKind.Producer => "PRODUCER",
        SpanKind.Consumer => "CONSUMER",
        _ => null,
    };
}
