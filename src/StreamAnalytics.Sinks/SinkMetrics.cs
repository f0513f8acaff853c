using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace StreamAnalytics.Sinks;

/// <summary>
/// The Meter <c>StreamAnalytics.Sinks</c>: sink health (documented in <c>docs/METRICS.md</c>). Labels are the sink name
/// and bounded reason strings; never URLs, ids or credentials.
/// </summary>
internal static class SinkMetrics
{
    public const string MeterName = "StreamAnalytics.Sinks";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Documents = Meter.CreateCounter<long>(
        "trace_analytics_sink_documents_total", null, "Documents acknowledged by a sink, by outcome (indexed, obsolete, rejected).");

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "trace_analytics_sink_retries_total", null, "Retried sink requests, by reason (http_429, http_5xx, connection, timeout).");

    // Observable over one total per declared sink, so each sink's series exists at 0 from start (the
    // TraceAnalyticsSinkFailing alert then sees the first failure, not only the second).
    private static readonly ConcurrentDictionary<string, StrongBox<long>> FailuresBySink = new(StringComparer.Ordinal);

    private static readonly ObservableCounter<long> Failures = Meter.CreateObservableCounter(
        "trace_analytics_sink_failures_total", ObserveFailures, null, "Sink flushes that failed after all retries (offsets are then not committed).");

    private static readonly UpDownCounter<long> Buffered = Meter.CreateUpDownCounter<long>(
        "trace_analytics_sink_buffered_bytes", "By", "Bytes of documents held by a sink and not yet acknowledged.");

    private static readonly Histogram<double> BulkDuration = Meter.CreateHistogram<double>(
        "trace_analytics_sink_bulk_duration_seconds", "s", "Duration of one bulk request (one attempt).",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly Counter<long> BlockedAdds = Meter.CreateCounter<long>(
        "trace_analytics_sink_backpressure_total", null, "Times Add waited because the sink buffer was full (back-pressure).");

    private static readonly Counter<long> OverBudgetAdds = Meter.CreateCounter<long>(
        "trace_analytics_sink_over_budget_total", null,
        "Documents a sink took above its buffer bound after waiting its max block time, instead of stalling the stream thread.");

    public static void Document(string sink, string outcome, long count = 1) => Documents.Add(count, new("sink", sink), new("outcome", outcome));

    public static void Retry(string sink, string reason) => Retries.Add(1, new("sink", sink), new("reason", reason));

    /// <summary>Makes the sink's failure series exist at 0 (each sink calls it when it is built).</summary>
    public static void Declare(string sink)
    {
        _ = Failures;
        FailuresBySink.GetOrAdd(sink, static _ => new StrongBox<long>());
    }

    public static void Failure(string sink) => Interlocked.Increment(ref FailuresBySink.GetOrAdd(sink, static _ => new StrongBox<long>()).Value);

    private static List<Measurement<long>> ObserveFailures()
    {
        var result = new List<Measurement<long>>(FailuresBySink.Count);
        foreach (var (sink, total) in FailuresBySink) result.Add(new Measurement<long>(Interlocked.Read(ref total.Value), new KeyValuePair<string, object?>("sink", sink)));
        return result;
    }

    public static void BufferedBytes(string sink, long delta) => Buffered.Add(delta, new KeyValuePair<string, object?>("sink", sink));

    public static void Bulk(string sink, double seconds) => BulkDuration.Record(seconds, new KeyValuePair<string, object?>("sink", sink));

    public static void Blocked(string sink) => BlockedAdds.Add(1, new KeyValuePair<string, object?>("sink", sink));

    public static void OverBudget(string sink) => OverBudgetAdds.Add(1, new KeyValuePair<string, object?>("sink", sink));
}
