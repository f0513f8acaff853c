using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using StreamAnalytics.Sinks.Internal;
using StreamAnalytics.Sinks.Prometheus;

namespace StreamAnalytics.Sinks.Tests.Prometheus;

public sealed class MetricsCollectorTests : IDisposable
{
    // A meter name of its own per test instance: the collector only sees it, not the engine's static meters.
    private readonly string _meterName = "Test.Exporter." + Guid.NewGuid().ToString("N");
    private readonly Meter _meter;

    public MetricsCollectorTests() => _meter = new Meter(_meterName);

    public void Dispose() => _meter.Dispose();

    private MetricsCollector Collector(int limit = 2000, Dictionary<string, double[]>? buckets = null) => new(new PrometheusExporterConfig
    {
        Meters = [_meterName],
        CardinalityLimit = limit,
        HistogramBuckets = buckets ?? new Dictionary<string, double[]>(),
        ProcessMetricsEnabled = false, // their values change from scrape to scrape; ProcessMetrics has its own test
    });

    internal static string Scrape(MetricsCollector collector, ExpositionFormat format = ExpositionFormat.Text004)
    {
        using var buffer = new PooledBufferWriter();
        collector.WriteTo(buffer, format);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void RecordGoldenSet()
    {
        var requests = _meter.CreateCounter<long>("demo.requests", null, "Requests handled.");
        var inflight = _meter.CreateUpDownCounter<int>("demo_inflight", "{requests}", "Requests in flight.");
        var latency = _meter.CreateHistogram<double>("demo_latency", "s", "Request latency.");
        var queue = new[] { 3.5 };
        _meter.CreateObservableGauge("demo_queue_bytes", () => queue[0], "By", "Queue size.");
        requests.Add(2, new KeyValuePair<string, object?>("path", "/a"), new KeyValuePair<string, object?>("code", 200));
        requests.Add(1, new KeyValuePair<string, object?>("code", 200), new KeyValuePair<string, object?>("path", "/a")); // same series, other tag order
        requests.Add(1, new KeyValuePair<string, object?>("path", "say \"hi\"\\\nbye"), new KeyValuePair<string, object?>("code", 500));
        inflight.Add(5);
        inflight.Add(-2);
        latency.Record(0.003);
        latency.Record(0.2);
        latency.Record(7);
    }

    [Fact]
    public void Text_exposition_matches_the_golden_file()
    {
        using var collector = Collector(buckets: new() { ["demo_latency"] = [0.01, 0.5, 5] });
        RecordGoldenSet();
        AssertGolden("exposition.expected.txt", Scrape(collector));
    }

    [Fact]
    public void OpenMetrics_exposition_matches_the_golden_file()
    {
        using var collector = Collector(buckets: new() { ["demo_latency"] = [0.01, 0.5, 5] });
        RecordGoldenSet();
        AssertGolden("exposition.expected.openmetrics.txt", Scrape(collector, ExpositionFormat.OpenMetrics));
    }

    /// <summary>Compares with testdata/<paramref name="file"/>; on a mismatch writes the actual text beside it in the output folder (<c>.actual</c>) for review.</summary>
    private static void AssertGolden(string file, string actual)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "testdata", file);
        string expected = System.IO.File.ReadAllText(path);
        if (expected != actual) System.IO.File.WriteAllText(path + ".actual", actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Series_beyond_the_cardinality_limit_go_to_one_overflow_series_that_is_counted()
    {
        using var collector = Collector(limit: 3);
        var counter = _meter.CreateCounter<long>("demo_ops_total");
        for (int i = 0; i < 10; i++) counter.Add(1, new KeyValuePair<string, object?>("op", "op" + i));
        counter.Add(5, new KeyValuePair<string, object?>("op", "op0")); // an existing series keeps counting

        string text = Scrape(collector);
        var lines = text.Split('\n').Where(l => l.StartsWith("demo_ops_total", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Contains("demo_ops_total{op=\"op0\"} 6", lines);
        Assert.Contains("demo_ops_total{overflow=\"true\"} 7", lines);
        Assert.Contains("trace_analytics_metric_series_overflow_total{metric=\"demo_ops_total\"} 7", text);
        Assert.Equal(7, collector.OverflowedMeasurements("demo_ops_total"));
    }

    [Fact]
    public void A_label_set_is_one_series_whether_its_values_are_the_same_instances_or_equal_copies()
    {
        // The exporter finds a series by the identity of the label strings first (SeriesIdentityCache, 512 slots), then
        // by their text: 3,000 label sets overfill the slots, so collisions and overwrites happen on the way.
        using var collector = Collector(limit: 5000);
        var counter = _meter.CreateCounter<long>("demo_calls_total");
        string[] clients = Enumerable.Range(0, 3000).Select(i => "client-" + i).ToArray();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < clients.Length; i++)
                counter.Add(i, new KeyValuePair<string, object?>("client", clients[i]), new KeyValuePair<string, object?>("server", "db"));
        }
        for (int i = 0; i < clients.Length; i++)
            counter.Add(1, new KeyValuePair<string, object?>("client", new string(clients[i].AsSpan())), new KeyValuePair<string, object?>("server", "db"));
        counter.Add(1, new KeyValuePair<string, object?>("server", "db"), new KeyValuePair<string, object?>("client", clients[7])); // other tag order

        var lines = Scrape(collector).Split('\n').Where(l => l.StartsWith("demo_calls_total{", StringComparison.Ordinal)).ToList();
        Assert.Equal(3000, lines.Count);
        Assert.Contains("demo_calls_total{client=\"client-0\",server=\"db\"} 1", lines);
        Assert.Contains("demo_calls_total{client=\"client-7\",server=\"db\"} 23", lines);
        Assert.Contains("demo_calls_total{client=\"client-2999\",server=\"db\"} 8998", lines);
        Assert.Equal(0, collector.OverflowedMeasurements("demo_calls_total"));
    }

    [Fact]
    public void Every_measurement_of_an_overflowed_label_set_is_counted_even_when_it_is_found_by_identity()
    {
        using var collector = Collector(limit: 2);
        var histogram = _meter.CreateHistogram<double>("demo_op_latency", "s");
        string[] ops = ["a", "b", "c", "d"];
        for (int round = 0; round < 5; round++)
        {
            foreach (string op in ops) histogram.Record(0.001, new KeyValuePair<string, object?>("op", op));
        }
        histogram.Record(0.001, new KeyValuePair<string, object?>("op", 42)); // a boxed value: never cached

        string text = Scrape(collector);
        Assert.Contains("demo_op_latency_seconds_count{op=\"a\"} 5\n", text);
        Assert.Contains("demo_op_latency_seconds_count{overflow=\"true\"} 11\n", text);
        Assert.Equal(11, collector.OverflowedMeasurements("demo_op_latency_seconds"));
    }

    [Fact]
    public void Observable_series_are_rebuilt_at_each_scrape_even_for_the_same_label_instances()
    {
        using var collector = Collector();
        string queue = "orders";
        long depth = 3;
        _meter.CreateObservableGauge("demo_queue_depth", () => new Measurement<long>(depth, new KeyValuePair<string, object?>("queue", queue)));

        Assert.Contains("demo_queue_depth{queue=\"orders\"} 3\n", Scrape(collector));
        depth = 9;
        string text = Scrape(collector);
        Assert.Contains("demo_queue_depth{queue=\"orders\"} 9\n", text);
        Assert.Single(text.Split('\n'), l => l.StartsWith("demo_queue_depth{", StringComparison.Ordinal));
    }

    [Fact]
    public void Histogram_buckets_come_from_instrument_advice_when_not_configured()
    {
        using var collector = Collector();
        var h = _meter.CreateHistogram<double>("demo_size", null, null, null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 100] });
        h.Record(50);
        string text = Scrape(collector);
        Assert.Contains("demo_size_bucket{le=\"10\"} 0\n", text);
        Assert.Contains("demo_size_bucket{le=\"100\"} 1\n", text);
        Assert.Contains("demo_size_bucket{le=\"+Inf\"} 1\n", text);
    }

    [Fact]
    public void Histograms_carry_trace_id_exemplars_only_in_OpenMetrics()
    {
        using var collector = Collector();
        var h = _meter.CreateHistogram<double>("demo_wait", "s");
        using (var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            h.Record(0.02);
            string traceId = activity.TraceId.ToHexString();
            string om = Scrape(collector, ExpositionFormat.OpenMetrics);
            Assert.Matches($"demo_wait_seconds_bucket\\{{le=\"0.025\"\\}} 1 # \\{{trace_id=\"{traceId}\"\\}} 0.02 [0-9.]+\n", om);
            Assert.EndsWith("# EOF\n", om);
        }
        Assert.DoesNotContain("trace_id", Scrape(collector));
    }

    [Fact]
    public void Only_configured_meters_are_exported()
    {
        using var other = new Meter("Test.Other." + Guid.NewGuid().ToString("N"));
        using var collector = Collector();
        other.CreateCounter<long>("other_total").Add(1);
        _meter.CreateCounter<long>("mine_total").Add(1);
        string text = Scrape(collector);
        Assert.Contains("mine_total 1", text);
        Assert.DoesNotContain("other_total", text);
    }

    [Fact]
    public void Promtool_accepts_the_text_exposition()
    {
        string promtool = PrometheusBinaries.Require("promtool");
        using var collector = Collector();
        RecordGoldenSet();
        var (exit, output) = PrometheusBinaries.Run(promtool, ["check", "metrics"], stdin: Scrape(collector));
        Assert.True(exit == 0, "promtool check metrics: " + output);
    }
}
