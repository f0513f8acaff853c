using System.Buffers;
using System.Diagnostics.Metrics;
using System.Numerics;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// Collects measurements of the configured Meters (<c>metrics.meters</c>) with a <see cref="MeterListener"/> and
/// writes them in the Prometheus text format: counters (<c>_total</c>), up-down counters and gauges (gauge),
/// histograms (<c>_bucket{le}</c> cumulative, <c>_sum</c>, <c>_count</c>) and the observable variants, whose
/// callbacks run at each scrape.
/// </summary>
/// <remarks>
/// <para>Because it only listens to <c>System.Diagnostics.Metrics</c>, any other listener (an OpenTelemetry exporter)
/// can be attached to the same instruments.</para>
/// <para><b>Cardinality.</b> Each metric holds at most <c>metrics.cardinality.limit</c> series. Measurements for new
/// label sets beyond that go to one series labelled <c>overflow="true"</c> and are counted in
/// <c>trace_analytics_metric_series_overflow_total{metric}</c>: never dropped silently, never unbounded.</para>
/// <para><b>Histogram buckets</b>: <c>metrics.histogram.buckets.&lt;instrument&gt;</c>, else the instrument's
/// <see cref="InstrumentAdvice{T}"/>, else the defaults (<see cref="DefaultSecondsBuckets"/> for unit <c>s</c>,
/// <see cref="DefaultBuckets"/> otherwise).</para>
/// <para>Thread-safe: instruments record from any thread; scrapes may run concurrently with recording.</para>
/// </remarks>
public sealed class MetricsCollector : IDisposable
{
    /// <summary>Default bounds of histograms in seconds.</summary>
    public static IReadOnlyList<double> DefaultSecondsBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Default bounds of other histograms.</summary>
    public static IReadOnlyList<double> DefaultBuckets { get; } = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private const string OverflowMetric = "trace_analytics_metric_series_overflow_total";

    private readonly PrometheusExporterConfig _config;
    private readonly Label[] _constantLabels;
    private readonly MeterListener _listener;
    private readonly object _familiesLock = new();
    // Observable series are rebuilt at each scrape, so two concurrent scrapes must not interleave.
    private readonly object _scrapeLock = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private long _conflicts;

    /// <summary>Starts listening to the configured meters (instruments created later are picked up too).</summary>
    public MetricsCollector(PrometheusExporterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _constantLabels = SortedLabels(config.ConstantLabels);
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        Subscribe<byte>();
        Subscribe<short>();
        Subscribe<int>();
        Subscribe<long>();
        Subscribe<float>();
        Subscribe<double>();
        Subscribe<decimal>();
        _listener.Start();
    }

    /// <summary>Instruments not exported because another instrument already uses their Prometheus name with another type.</summary>
    public long ConflictingInstruments => Interlocked.Read(ref _conflicts);

    /// <summary>Measurements redirected to the overflow series of <paramref name="metric"/> (its Prometheus name).</summary>
    public long OverflowedMeasurements(string metric)
    {
        lock (_familiesLock)
        {
            if (!_families.TryGetValue(metric, out var family)) return 0;
            lock (family.Sync) return family.Overflowed;
        }
    }

    /// <summary>Runs the observable callbacks and writes every metric, sorted by name, in <paramref name="format"/>.</summary>
    public void WriteTo(IBufferWriter<byte> output, ExpositionFormat format)
    {
        ArgumentNullException.ThrowIfNull(output);
        lock (_scrapeLock) Write(output, format);
    }

    private void Write(IBufferWriter<byte> output, ExpositionFormat format)
    {
        MetricFamily[] families;
        lock (_familiesLock)
        {
            families = [.. _families.Values];
        }
        foreach (var family in families)
        {
            if (!family.Observable) continue;
            lock (family.Sync) family.ClearSeries();
        }
        _listener.RecordObservableInstruments();
        Array.Sort(families, static (a, b) => string.CompareOrdinal(a.Name, b.Name));

        var writer = new ExpositionWriter(output, format);
        var overflow = new List<(string Metric, long Count)>(families.Length);
        foreach (var family in families)
        {
            lock (family.Sync)
            {
                // Every exported metric gets an overflow series, at 0 until it overflows: a rule's rate() then sees the
                // first overflow instead of a series that starts at its first increment.
                overflow.Add((family.Name, family.Overflowed));
                // The header even without series, so a scrape shows every metric the engine defines (the rules' check
                // and dashboards rely on it); the series of a data-labelled metric appear with the data.
                writer.WriteHeader(family.Name, family.Type, family.Help);
                var series = family.SeriesList.ToArray();
                Array.Sort(series, static (a, b) => CompareLabels(a.Labels, b.Labels));
                foreach (var s in series) WriteSeries(writer, family, s, WithConstantLabels(s.Labels));
            }
        }
        writer.WriteHeader(OverflowMetric, "counter", "Measurements redirected to a metric's overflow=\"true\" series by metrics.cardinality.limit.");
        foreach (var (metric, count) in overflow)
            writer.WriteSample(OverflowMetric, default, WithConstantLabels([new Label("metric", metric)]), null, null, count);
        if (_config.ProcessMetricsEnabled) ProcessMetrics.Write(writer, _constantLabels);
        writer.WriteEnd();
    }

    /// <summary>
    /// The series' labels plus the constant ones (<c>application_id</c>) it does not carry itself, sorted by name; a
    /// tag of the same name on the series wins.
    /// </summary>
    private Label[] WithConstantLabels(Label[] labels)
    {
        if (_constantLabels.Length == 0) return labels;
        var merged = new List<Label>(labels.Length + _constantLabels.Length);
        merged.AddRange(labels);
        foreach (var c in _constantLabels)
        {
            bool present = false;
            foreach (var l in labels) present |= l.Name == c.Name;
            if (!present) merged.Add(c);
        }
        if (merged.Count == labels.Length) return labels;
        merged.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return [.. merged];
    }

    private static Label[] SortedLabels(IReadOnlyDictionary<string, string> labels)
    {
        var result = new Label[labels.Count];
        int i = 0;
        foreach (var (name, value) in labels) result[i++] = new Label(PrometheusNames.LabelName(name), value);
        Array.Sort(result, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    private static void WriteSeries(ExpositionWriter writer, MetricFamily family, MetricFamily.Series s, Label[] labels)
    {
        if (family.Bounds is null)
        {
            writer.WriteSample(family.Name, default, labels, null, null, s.Value);
            return;
        }
        long cumulative = 0;
        for (int i = 0; i <= family.Bounds.Length; i++)
        {
            cumulative += s.Buckets![i];
            string le = i < family.Bounds.Length ? ExpositionWriter.FormatBound(family.Bounds[i]) : "+Inf";
            writer.WriteSample(family.Name, "_bucket"u8, labels, "le", le, cumulative, s.Exemplars![i]);
        }
        writer.WriteSample(family.Name, "_sum"u8, labels, null, null, s.Value);
        writer.WriteSample(family.Name, "_count"u8, labels, null, null, s.Count);
    }

    private static int CompareLabels(Label[] a, Label[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            int c = string.CompareOrdinal(a[i].Name, b[i].Name);
            if (c == 0) c = string.CompareOrdinal(a[i].Value, b[i].Value);
            if (c != 0) return c;
        }
        return a.Length.CompareTo(b.Length);
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_config.Exports(instrument.Meter.Name)) return;
        var (type, counter, cumulativeInput, observable) = Classify(instrument);
        if (type is null) return;
        string name = PrometheusNames.MetricName(instrument.Meter.Name, instrument.Name, instrument.Unit, counter);
        double[]? bounds = type == "histogram" ? BoundsFor(instrument) : null;
        MetricFamily family;
        lock (_familiesLock)
        {
            if (_families.TryGetValue(name, out var existing))
            {
                if (existing.Type != type || existing.Observable != observable || existing.CumulativeInput != cumulativeInput ||
                    (bounds is not null && !bounds.AsSpan().SequenceEqual(existing.Bounds)))
                {
                    Interlocked.Increment(ref _conflicts);
                    return;
                }
                family = existing;
            }
            else
            {
                family = new MetricFamily(name, type, instrument.Description ?? "", cumulativeInput, observable, bounds,
                    _config.CardinalityLimit, _config.ExemplarsEnabled);
                _families.Add(name, family);
            }
        }
        listener.EnableMeasurementEvents(instrument, family);
    }

    private static (string? Type, bool Counter, bool CumulativeInput, bool Observable) Classify(Instrument instrument)
    {
        Type t = instrument.GetType();
        if (!t.IsGenericType) return (null, false, false, false);
        Type d = t.GetGenericTypeDefinition();
        if (d == typeof(Counter<>)) return ("counter", true, false, false);
        if (d == typeof(UpDownCounter<>)) return ("gauge", false, false, false);
        if (d == typeof(Histogram<>)) return ("histogram", false, false, false);
        if (d == typeof(Gauge<>)) return ("gauge", false, true, false);
        if (d == typeof(ObservableCounter<>)) return ("counter", true, true, true);
        if (d == typeof(ObservableUpDownCounter<>)) return ("gauge", false, true, true);
        if (d == typeof(ObservableGauge<>)) return ("gauge", false, true, true);
        return (null, false, false, false);
    }

    private double[] BoundsFor(Instrument instrument)
    {
        if (_config.HistogramBuckets.TryGetValue(instrument.Name, out var configured)) return configured;
        double[]? advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            _ => null,
        };
        if (advised is { Length: > 0 }) return advised;
        return instrument.Unit == "s" ? [.. DefaultSecondsBuckets] : [.. DefaultBuckets];
    }

    private void Subscribe<T>() where T : struct, INumber<T>
    {
        _listener.SetMeasurementEventCallback<T>(static (instrument, measurement, tags, state) =>
        {
            if (state is MetricFamily family) family.Record(double.CreateChecked(measurement), tags);
        });
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();
}
