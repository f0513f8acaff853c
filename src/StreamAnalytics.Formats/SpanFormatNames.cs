namespace StreamAnalytics.Formats;

/// <summary>Config names of <see cref="SpanFormat"/> (<c>otlp_proto</c>, ...).</summary>
public static class SpanFormatNames
{
    public static readonly IReadOnlyList<string> All = ["otlp_proto", "otlp_json", "jaeger_proto", "jaeger_json", "zipkin_json", "zipkin_proto"];

    public static string ToConfigName(this SpanFormat format) => format switch
    {
        SpanFormat.OtlpProto => "otlp_proto",
        SpanFormat.OtlpJson => "otlp_json",
        SpanFormat.JaegerProto => "jaeger_proto",
        SpanFormat.JaegerJson => "jaeger_json",
        SpanFormat.ZipkinJson => "zipkin_json",
        SpanFormat.ZipkinProto => "zipkin_proto",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static bool TryParse(string? name, out SpanFormat format)
    {
        for (int i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], name, StringComparison.OrdinalIgnoreCase))
            {
                format = (SpanFormat)i;
                return true;
            }
        }
        format = default;
        return false;
    }

    /// <summary>True for formats whose messages carry spans of many traces and so need the repartition hop.</summary>
    public static bool IsBatchFormat(this SpanFormat format) => format is not (SpanFormat.JaegerProto or SpanFormat.JaegerJson);
}
