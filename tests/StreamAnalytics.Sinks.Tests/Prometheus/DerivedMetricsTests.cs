using StreamAnalytics.Sinks.Prometheus;

namespace StreamAnalytics.Sinks.Tests.Prometheus;

public class DerivedMetricsTests
{
    [Fact]
    public void A_completed_trace_feeds_every_derived_metric()
    {
        string meterName = "StreamAnalytics.Traces.Test." + Guid.NewGuid().ToString("N");
        using var derived = new DerivedMetrics(meterName);
        using var collector = new MetricsCollector(new PrometheusExporterConfig { Meters = [meterName] });
        var ok = TestDocuments.Features(1);
        var failed = TestDocuments.Features(2, rootError: true);
        Assert.True(derived.Record(TestDocuments.TraceOf(ok), ok));
        Assert.True(derived.Record(TestDocuments.TraceOf(failed), failed));

        string text = MetricsCollectorTests.Scrape(collector);

        Assert.Contains("trace_analytics_traces_total{root_operation=\"GET /checkout\",root_service=\"frontend\",status=\"ok\"} 1\n", text);
        Assert.Contains("trace_analytics_traces_total{root_operation=\"GET /checkout\",root_service=\"frontend\",status=\"error\"} 1\n", text);
        Assert.Contains("trace_analytics_trace_duration_seconds_bucket{root_operation=\"GET /checkout\",root_service=\"frontend\",le=\"0.25\"} 2\n", text);
        Assert.Contains("trace_analytics_trace_duration_seconds_count{root_operation=\"GET /checkout\",root_service=\"frontend\"} 2\n", text);
        Assert.Contains("trace_analytics_service_edge_calls_total{client=\"checkout\",connection_type=\"database\",server=\"postgres\"} 2\n", text);
        Assert.Contains("trace_analytics_service_edge_failed_total{client=\"checkout\",connection_type=\"database\",server=\"postgres\"} 2\n", text);
        Assert.Contains("trace_analytics_service_edge_failed_total{client=\"frontend\",connection_type=\"direct\",server=\"checkout\"} 0\n", text);
        Assert.Contains("trace_analytics_service_edge_latency_seconds_bucket{client=\"frontend\",connection_type=\"direct\",server=\"checkout\",le=\"0.1\"} 2\n", text);
        Assert.Contains("trace_analytics_service_path_traces_total{path=\"frontend>checkout\"} 2\n", text);
        Assert.Contains("trace_analytics_spans_total{operation=\"query\",service=\"checkout\"} 2\n", text);
    }

    [Fact]
    public void A_follow_up_revision_is_not_counted_again()
    {
        string meterName = "StreamAnalytics.Traces.Test." + Guid.NewGuid().ToString("N");
        using var derived = new DerivedMetrics(meterName);
        using var collector = new MetricsCollector(new PrometheusExporterConfig { Meters = [meterName] });
        var revision = TestDocuments.Features(1, revision: 1);
        Assert.False(derived.Record(TestDocuments.TraceOf(revision), revision));
        Assert.DoesNotContain("\ntrace_analytics_traces_total{", MetricsCollectorTests.Scrape(collector)); // the header only: no sample
    }

    [Fact]
    public void Trace_ids_are_exemplars_on_duration_histograms_never_labels()
    {
        string meterName = "StreamAnalytics.Traces.Test." + Guid.NewGuid().ToString("N");
        using var derived = new DerivedMetrics(meterName);
        using var collector = new MetricsCollector(new PrometheusExporterConfig { Meters = [meterName] });
        var f = TestDocuments.Features(0x1234);
        derived.Record(TestDocuments.TraceOf(f), f);

        string om = MetricsCollectorTests.Scrape(collector, ExpositionFormat.OpenMetrics);
        Assert.Contains($"# {{trace_id=\"{f.TraceId}\"}} 0.12 ", om);
        Assert.DoesNotContain($"trace_id=\"{f.TraceId}\",", om);
        Assert.DoesNotContain(f.TraceId, MetricsCollectorTests.Scrape(collector));
    }
}
