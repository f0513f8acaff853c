using System.Globalization;
using System.Net;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>Settings of the Prometheus exporter (<see cref="MetricsCollector"/> and <see cref="MetricsServer"/>), read from <c>metrics.*</c> keys.</summary>
public sealed class PrometheusExporterConfig
{
    private static readonly PrometheusExporterConfig Defaults = new();

    /// <summary>
    /// The <c>metrics.*</c> keys with defaults read from a default instance and doc text, for the job registry and
    /// docs/CONFIGURATION.md. <c>metrics.histogram.buckets.&lt;instrument&gt;</c> is a pass-through prefix, not a key.
    /// </summary>
    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        new("metrics.bind", ConfigValueType.Endpoint, Defaults.Bind.ToString(), "Address of /metrics, /healthz and /readyz."),
        ConfigKey.Integer("metrics.cardinality.limit", Defaults.CardinalityLimit, 1, 1_000_000, "Series per metric; more go to one series labelled overflow=\"true\"."),
        ConfigKey.ListOf("metrics.meters", Defaults.Meters, "Meters exported on /metrics (names, '*' suffix = prefix); System.Runtime is .NET's GC, heap and thread-pool meter."),
        ConfigKey.Boolean("metrics.exemplars.enabled", Defaults.ExemplarsEnabled, "Trace-id exemplars on histograms for OpenMetrics scrapes."),
    ];

    /// <summary>
    /// <c>metrics.bind</c>: address and port of the HTTP endpoint (<c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>),
    /// e.g. <c>0.0.0.0:9464</c>, <c>127.0.0.1:0</c> (ephemeral port), <c>[::]:9464</c>. Default <c>0.0.0.0:9464</c>.
    /// </summary>
    public IPEndPoint Bind { get; init; } = new(IPAddress.Any, 9464);

    /// <summary>
    /// <c>metrics.meters</c>: comma-separated Meter names to export; an entry ending in <c>*</c> is a prefix.
    /// Default <c>StreamAnalytics*,System.Runtime</c>: every engine meter (Streams, Assembly, Traces, Aggregate, Sinks,
    /// Decode, Job, Build) and .NET's own runtime meter (GC, heap, thread pool, exceptions: <c>dotnet_*</c>).
    /// </summary>
    public IReadOnlyList<string> Meters { get; init; } = ["StreamAnalytics*", "System.Runtime"];

    /// <summary><c>metrics.cardinality.limit</c>: series per metric; beyond it one <c>overflow="true"</c> series. Default 2000.</summary>
    public int CardinalityLimit { get; init; } = 2000;

    /// <summary>
    /// <c>metrics.histogram.buckets.&lt;instrument name&gt;</c>: explicit upper bounds (comma-separated) for one
    /// histogram. Without it the instrument's advice is used, else the defaults (seconds: 5 ms … 10 s).
    /// </summary>
    public IReadOnlyDictionary<string, double[]> HistogramBuckets { get; init; } = new Dictionary<string, double[]>(StringComparer.Ordinal);

    /// <summary>
    /// Labels written on every exported series that does not carry them itself. The job sets <c>application_id</c>
    /// from <c>application.id</c>, so two jobs scraped from one host (or one Prometheus job) stay apart. Default none.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConstantLabels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Write the standard <c>process_*</c> metrics and <c>trace_analytics_build_info</c> (read from the OS at each
    /// scrape). Default true; tests comparing exact expositions turn it off.
    /// </summary>
    public bool ProcessMetricsEnabled { get; init; } = true;

    /// <summary><c>metrics.exemplars.enabled</c>: attach trace-id exemplars to histogram buckets in OpenMetrics responses. Default true.</summary>
    public bool ExemplarsEnabled { get; init; } = true;

    /// <summary>Reads the <c>metrics.*</c> keys (absent keys keep their defaults) and validates.</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the key.</exception>
    /// <param name="p">The <c>metrics.*</c> keys.</param>
    /// <param name="constantLabels">Labels for every series (<see cref="ConstantLabels"/>), e.g. <c>application_id</c>.</param>
    public static PrometheusExporterConfig FromProperties(IReadOnlyDictionary<string, string> p, IReadOnlyDictionary<string, string>? constantLabels = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        var d = new PrometheusExporterConfig();
        var buckets = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (key, value) in p)
        {
            const string prefix = "metrics.histogram.buckets.";
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var bounds = new List<double>();
            foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double b) || !double.IsFinite(b))
                    throw new ArgumentException($"{key}: '{part}' is not a finite number");
                bounds.Add(b);
            }
            buckets[key[prefix.Length..]] = [.. bounds];
        }
        var config = new PrometheusExporterConfig
        {
            Bind = p.TryGetValue("metrics.bind", out var bind) ? ParseBind(bind) : d.Bind,
            Meters = p.TryGetValue("metrics.meters", out var meters)
                ? meters.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : d.Meters,
            CardinalityLimit = p.TryGetValue("metrics.cardinality.limit", out var l)
                ? int.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out int li) ? li : throw new ArgumentException($"metrics.cardinality.limit: '{l}' is not an integer")
                : d.CardinalityLimit,
            ExemplarsEnabled = p.TryGetValue("metrics.exemplars.enabled", out var e)
                ? bool.TryParse(e, out bool eb) ? eb : throw new ArgumentException($"metrics.exemplars.enabled: '{e}' is not true or false")
                : d.ExemplarsEnabled,
            HistogramBuckets = buckets,
            ConstantLabels = constantLabels ?? d.ConstantLabels,
        };
        config.Validate();
        return config;
    }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">The first invalid setting, by key.</exception>
    public void Validate()
    {
        if (CardinalityLimit < 1) throw new ArgumentException($"metrics.cardinality.limit must be at least 1 (got {CardinalityLimit})");
        if (Meters.Count == 0) throw new ArgumentException("metrics.meters must name at least one meter");
        foreach (var (name, bounds) in HistogramBuckets)
        {
            for (int i = 1; i < bounds.Length; i++)
                if (bounds[i] <= bounds[i - 1]) throw new ArgumentException($"metrics.histogram.buckets.{name} must be strictly increasing");
        }
    }

    /// <summary>Parses <c>host:port</c> where host is an IP address, <c>[v6]</c>, <c>localhost</c> or <c>*</c>.</summary>
    /// <exception cref="ArgumentException">Not an address and port.</exception>
    public static IPEndPoint ParseBind(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            throw new ArgumentException($"metrics.bind: '{value}' is not address:port (e.g. 0.0.0.0:9464)");
        string host = value[..colon].Trim('[', ']');
        IPAddress address = host switch
        {
            "*" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var ip) ? ip : throw new ArgumentException($"metrics.bind: '{host}' is not an IP address"),
        };
        return new IPEndPoint(address, port);
    }

    internal bool Exports(string meterName)
    {
        foreach (string m in Meters)
        {
            if (m.EndsWith('*') ? meterName.StartsWith(m.AsSpan(0, m.Length - 1), StringComparison.Ordinal) : meterName == m) return true;
        }
        return false;
    }
}
