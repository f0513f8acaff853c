using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Files;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Cli.Pipeline;

/// <summary>
/// What a file looks like when every message was refused under the format asked for: the other formats whose reader
/// and decoder accept its first messages (with at least one span each), so <c>replay</c> can say which to try.
/// </summary>
internal static class FormatHint
{
    /// <summary>How many leading messages a candidate format must decode.</summary>
    private const int Probe = 3;

    /// <summary>A sentence for the error line, e.g. "every line looks like Zipkin JSON (zipkin_json); try --format zipkin_json".</summary>
    public static string Describe(string path, SpanFormat refused)
    {
        var matches = new List<SpanFormat>();
        foreach (SpanFormat candidate in Enum.GetValues<SpanFormat>())
        {
            if (candidate != refused && Decodes(path, candidate)) matches.Add(candidate);
        }
        if (matches.Count == 0)
            return "the file does not decode as any supported format (" + string.Join(", ", SpanFormatNames.All) + ")";
        SpanFormat best = matches[0];
        string unit = best.IsJson() ? "line" : "message";
        return $"every {unit} looks like {Describe(best)} ({best.ToConfigName()}); try --format {best.ToConfigName()}";
    }

    private static string Describe(SpanFormat f) => f switch
    {
        SpanFormat.OtlpJson => "OTLP JSON",
        SpanFormat.OtlpProto => "OTLP protobuf",
        SpanFormat.JaegerJson => "Jaeger JSON",
        SpanFormat.JaegerProto => "Jaeger protobuf",
        SpanFormat.ZipkinJson => "Zipkin JSON",
        SpanFormat.ZipkinProto => "Zipkin protobuf",
        _ => f.ToConfigName(),
    };

    private static bool IsJson(this SpanFormat f) => f is SpanFormat.OtlpJson or SpanFormat.JaegerJson or SpanFormat.ZipkinJson;

    private static bool Decodes(string path, SpanFormat format)
    {
        var decoder = SpanDecoders.Create(format, new StringTable());
        var batch = new SpanBatch(64);
        int seen = 0;
        try
        {
            foreach (ReadOnlyMemory<byte> message in SpanFileReader.ReadMessages(path, format))
            {
                batch.Clear();
                if (!decoder.TryDecode(message.Span, batch, out _) || batch.Count == 0) return false;
                if (++seen == Probe) break;
            }
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidDataException)
        {
            return false;
        }
        return seen > 0;
    }
}
