using System.Text;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// How instrument names and units become Prometheus names: invalid characters become <c>_</c>; the unit is appended
/// as a suffix unless the name already ends with it (<c>s</c> → <c>_seconds</c>, <c>ms</c> → <c>_milliseconds</c>,
/// <c>By</c> → <c>_bytes</c>; <c>1</c> and annotations such as <c>{spans}</c> add nothing); counters end in
/// <c>_total</c>. So <c>trace_analytics_trace_duration</c> with unit <c>s</c> and
/// <c>trace_analytics_trace_duration_seconds</c> both export as <c>trace_analytics_trace_duration_seconds</c>.
/// </summary>
internal static class PrometheusNames
{
    /// <summary>The one namespace of every engine metric, so one <c>{__name__=~"trace_analytics_.*"}</c> finds them all.</summary>
    public const string Namespace = "trace_analytics_";

    /// <summary>Meters whose names start with this are the engine's: their instruments get <see cref="Namespace"/>.</summary>
    public const string EngineMeterPrefix = "StreamAnalytics";

    /// <summary>
    /// The Prometheus name of an instrument of <paramref name="meterName"/>: engine meters' instruments that lack the
    /// namespace get it (<c>streams.consumer.lag</c> → <c>trace_analytics_streams_consumer_lag</c>); other meters'
    /// (<c>System.Runtime</c>'s <c>dotnet.*</c>) keep their names, which dashboards for .NET already know.
    /// </summary>
    public static string MetricName(string meterName, string instrumentName, string? unit, bool counter)
    {
        string name = MetricName(instrumentName, unit, counter);
        bool engine = meterName.StartsWith(EngineMeterPrefix, StringComparison.Ordinal);
        return engine && !name.StartsWith(Namespace, StringComparison.Ordinal) ? Namespace + name : name;
    }

    public static string MetricName(string instrumentName, string? unit, bool counter)
    {
        string name = Sanitize(instrumentName, allowColon: true);
        if (counter && name.EndsWith("_total", StringComparison.Ordinal)) name = name[..^6];
        string suffix = UnitSuffix(unit);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal)) name += "_" + suffix;
        return counter ? name + "_total" : name;
    }

    public static string LabelName(string tagKey)
    {
        string name = Sanitize(tagKey, allowColon: false);
        return name.StartsWith("__", StringComparison.Ordinal) ? "tag" + name : name; // __ is reserved for Prometheus
    }

    private static string UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => "",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "%" => "percent",
        _ when unit.StartsWith('{') => "",
        _ => Sanitize(unit, allowColon: false).Trim('_'),
    };

    private static string Sanitize(string s, bool allowColon)
    {
        if (s.Length == 0) return "_";
        var sb = new StringBuilder(s.Length + 1);
        if (char.IsAsciiDigit(s[0])) sb.Append('_');
        foreach (char c in s)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        return sb.ToString();
    }
}
