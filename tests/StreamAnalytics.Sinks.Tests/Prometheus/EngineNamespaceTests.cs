using System.Diagnostics.Metrics;
using StreamAnalytics.Sinks.Prometheus;

namespace StreamAnalytics.Sinks.Tests.Prometheus;

/// <summary>What an operator relies on in every scrape: one namespace, the application id, zero series, process metrics.</summary>
public sealed class EngineNamespaceTests : IDisposable
{
    // An engine-style meter name of its own (the StreamAnalytics prefix), so only this test's instruments are seen.
    private readonly string _engineMeterName = "StreamAnalytics.Test." + Guid.NewGuid().ToString("N");
    private readonly string _otherMeterName = "Test.Library." + Guid.NewGuid().ToString("N");
    private readonly Meter _engine;
    private readonly Meter _other;

    public EngineNamespaceTests()
    {
        _engine = new Meter(_engineMeterName);
        _other = new Meter(_otherMeterName);
    }

    public void Dispose()
    {
        _engine.Dispose();
        _other.Dispose();
    }

    private MetricsCollector Collector(bool process = false) => new(new PrometheusExporterConfig
    {
        Meters = [_engineMeterName, _otherMeterName],
        ConstantLabels = new Dictionary<string, string> { ["application_id"] = "shop-traces" },
        ProcessMetricsEnabled = process,
    });

    [Fact]
    public void Engine_instruments_get_the_trace_analytics_namespace_once_and_other_meters_keep_their_names()
    {
        using var collector = Collector();
        _engine.CreateCounter<long>("streams.commits", "{commit}").Add(3);
        _engine.CreateCounter<long>("trace_analytics_traces_total").Add(1);
        _other.CreateCounter<long>("library.calls").Add(2);

        string text = MetricsCollectorTests.Scrape(collector);

        Assert.Contains("\ntrace_analytics_streams_commits_total{application_id=\"shop-traces\"} 3\n", text);
        Assert.Contains("\ntrace_analytics_traces_total{application_id=\"shop-traces\"} 1\n", text);
        Assert.DoesNotContain("trace_analytics_trace_analytics", text);
        Assert.Contains("\nlibrary_calls_total{application_id=\"shop-traces\"} 2\n", text);
    }

    [Fact]
    public void The_application_id_is_on_every_series_and_a_tag_of_the_same_name_wins()
    {
        using var collector = Collector();
        var lag = _engine.CreateHistogram<double>("latency", "s");
        lag.Record(0.2, new KeyValuePair<string, object?>("zone", "a"));
        _engine.CreateCounter<long>("own").Add(1, new KeyValuePair<string, object?>("application.id", "from-tag"));

        string text = MetricsCollectorTests.Scrape(collector);

        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            Assert.Contains("application_id=\"", line);
        }
        Assert.Contains("trace_analytics_latency_seconds_bucket{application_id=\"shop-traces\",zone=\"a\",le=\"0.25\"} 1", text);
        Assert.Contains("\ntrace_analytics_own_total{application_id=\"from-tag\"} 1\n", text);
        Assert.DoesNotContain("application_id=\"shop-traces\",application_id", text);
    }

    [Fact]
    public void A_metric_without_series_still_has_its_header_and_an_overflow_series_at_zero()
    {
        using var collector = Collector();
        _engine.CreateCounter<long>("sink.failures", null, "Failed flushes.");

        string text = MetricsCollectorTests.Scrape(collector);

        Assert.Contains("# TYPE trace_analytics_sink_failures_total counter\n", text);
        Assert.DoesNotContain("\ntrace_analytics_sink_failures_total{", text);
        Assert.Contains("trace_analytics_metric_series_overflow_total{application_id=\"shop-traces\",metric=\"trace_analytics_sink_failures_total\"} 0\n", text);
    }

    [Fact]
    public void Process_metrics_and_the_build_info_gauge_are_written_with_the_application_id()
    {
        using var collector = Collector(process: true);

        string text = MetricsCollectorTests.Scrape(collector);

        Assert.Matches(@"\nprocess_cpu_seconds_total\{application_id=""shop-traces""\} [0-9.e+-]+\n", text);
        Assert.Matches(@"\nprocess_resident_memory_bytes\{application_id=""shop-traces""\} [1-9][0-9.e+]*\n", text);
        Assert.Matches(@"\nprocess_start_time_seconds\{application_id=""shop-traces""\} 1[0-9.e+]+\n", text);
        Assert.Matches(@"\ntrace_analytics_build_info\{application_id=""shop-traces"",runtime=""10\.[^""]+"",version=""[^""]+""\} 1\n", text);
    }

    [PrometheusFact("promtool")]
    public void Promtool_accepts_a_scrape_with_process_metrics_and_empty_metrics()
    {
        string promtool = PrometheusBinaries.Require("promtool");
        using var collector = Collector(process: true);
        _engine.CreateCounter<long>("never.incremented", null, "Never incremented.");
        _engine.CreateCounter<long>("commits", null, "Commits.").Add(1);
        var (exit, output) = PrometheusBinaries.Run(promtool, ["check", "metrics"], stdin: MetricsCollectorTests.Scrape(collector));
        Assert.True(exit == 0, "promtool check metrics: " + output);
    }
}
