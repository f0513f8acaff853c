using System.Diagnostics;
using System.Diagnostics.Metrics;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;
using Trace = StreamAnalytics.Features.Assembly.Trace;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// The Meter <c>StreamAnalytics.Traces</c>: what SREs alert on, fed once per completed trace by <see cref="Record"/>
/// (see <c>docs/METRICS.md</c> for each instrument). Histograms carry the trace id as an exemplar, never as a label.
/// </summary>
/// <remarks>
/// Only revision 0 of a trace is recorded: a late-span follow-up describes the same trace again and would count it
/// twice. Thread-safe (instruments are). Label values come from span data, so their cardinality is bounded by the
/// exporter's <c>metrics.cardinality.limit</c> per metric.
/// </remarks>
public sealed class DerivedMetrics : IDisposable
{
    /// <summary>The Meter name.</summary>
    public const string DefaultMeterName = "StreamAnalytics.Traces";

    private static readonly double[] LatencyBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Meter _meter;
    private readonly Counter<long> _traces;
    private readonly Histogram<double> _traceDuration;
    private readonly Counter<long> _edgeCalls;
    private readonly Counter<long> _edgeFailed;
    private readonly Histogram<double> _edgeLatency;
    private readonly Counter<long> _pathTraces;
    private readonly Counter<long> _spans;

    /// <summary>Creates the instruments on a new Meter named <paramref name="meterName"/>.</summary>
    public DerivedMetrics(string meterName = DefaultMeterName)
    {
        _meter = new Meter(meterName);
        var latencyAdvice = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds };
        _traces = _meter.CreateCounter<long>("trace_analytics_traces_total", null,
            "Completed traces by root service, root operation and status (error when the root span failed).");
        _traceDuration = _meter.CreateHistogram<double>("trace_analytics_trace_duration_seconds", "s",
            "Trace duration (first span start to last span end) by root service and operation.", null, latencyAdvice);
        _edgeCalls = _meter.CreateCounter<long>("trace_analytics_service_edge_calls_total", null,
            "Calls between two services (service graph edges) by connection type.");
        _edgeFailed = _meter.CreateCounter<long>("trace_analytics_service_edge_failed_total", null,
            "Failed calls between two services by connection type.");
        _edgeLatency = _meter.CreateHistogram<double>("trace_analytics_service_edge_latency_seconds", "s",
            "Latency of calls between two services (server span if present, else client span).", null, latencyAdvice);
        _pathTraces = _meter.CreateCounter<long>("trace_analytics_service_path_traces_total", null,
            "Traces containing each root-to-leaf service path.");
        _spans = _meter.CreateCounter<long>("trace_analytics_spans_total", null, "Spans per service and operation.");
    }

    /// <summary>The Meter's name.</summary>
    public string MeterName => _meter.Name;

    /// <summary>Records one completed trace (revision 0 only; returns false for a follow-up revision).</summary>
    public bool Record(Trace trace, TraceFeatures features)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(features);
        if (features.Revision > 0 || trace.Revision > 0) return false;

        using var exemplar = ExemplarContext.With(features.TraceId);
        var root = new TagList { { "root_service", features.RootService }, { "root_operation", features.RootOperation } };
        _traceDuration.Record(features.DurationUs / 1e6, root);
        root.Add("status", features.RootError ? "error" : "ok");
        _traces.Add(1, root);

        foreach (var edge in features.Edges)
        {
            var tags = new TagList { { "client", edge.Client }, { "server", edge.Server }, { "connection_type", edge.ConnectionType } };
            _edgeCalls.Add(edge.Calls, tags);
            // Recorded even when 0, so the error-ratio rules see a failed series next to every calls series.
            _edgeFailed.Add(edge.Errors, tags);
            foreach (long us in edge.DurationsUs) _edgeLatency.Record(us / 1e6, tags);
        }

        foreach (string path in features.ServicePaths.Keys)
            _pathTraces.Add(1, new KeyValuePair<string, object?>("path", path));

        foreach (var (serviceOperation, count) in features.SpanCounts)
        {
            (string service, string operation) = SplitServiceOperation(serviceOperation);
            _spans.Add(count, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("operation", operation));
        }
        return true;
    }

    // The extractor reuses its "service::operation" key strings, so each is split once per thread, not twice per trace;
    // the same instances then let the exporter find the series by identity.
    [ThreadStatic] private static IdentityMemo<(string Service, string Operation)>? t_splits;
    private const int MaxSplits = 4096;

    private static (string Service, string Operation) SplitServiceOperation(string serviceOperation) =>
        (t_splits ??= new IdentityMemo<(string, string)>(MaxSplits)).Get(serviceOperation, TraceFeatures.SplitServiceOperation);

    /// <summary>Disposes the Meter (its instruments stop reporting).</summary>
    public void Dispose() => _meter.Dispose();
}
