using System.Diagnostics.Metrics;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// The Meter <c>StreamAnalytics.Aggregate</c>: what the windowed aggregation cut or dropped (listed in
/// <c>docs/METRICS.md</c>). Instrument names are the Prometheus names.
/// </summary>
/// <remarks>
/// Observable counters over process-wide totals: every series (one per aggregate kind for the overflow) exists from
/// the first scrape at 0, so an alert on <c>rate(...) &gt; 0</c> sees the first late trace, not only the second.
/// </remarks>
internal static class AggregateMetrics
{
    public const string MeterName = "StreamAnalytics.Aggregate";

    private static readonly Meter Meter = new(MeterName);
    private static readonly KeyValuePair<string, object?>[][] KindTags = CreateKindTags();
    private static readonly long[] OverflowByKind = new long[AggregateKindNames.Count];
    private static long _late, _emitted, _closedEarly, _skippedRevisions, _collapsed;

    static AggregateMetrics()
    {
        Meter.CreateObservableCounter("trace_analytics_aggregate_late_traces_total", () => Interlocked.Read(ref _late), null,
            "Traces dropped because their window had already closed (start beyond aggregate.grace.ms).");
        Meter.CreateObservableCounter("trace_analytics_aggregate_series_overflow_total", ObserveOverflow, null,
            "Aggregate updates redirected to the overflow series by aggregate.cardinality.limit.");
        Meter.CreateObservableCounter("trace_analytics_aggregate_windows_emitted_total", () => Interlocked.Read(ref _emitted), null,
            "Windows closed and emitted as aggregate documents.");
        Meter.CreateObservableCounter("trace_analytics_aggregate_windows_closed_early_total", () => Interlocked.Read(ref _closedEarly), null,
            "Windows emitted before their grace ended because aggregate.max.open.windows was reached.");
        Meter.CreateObservableCounter("trace_analytics_aggregate_skipped_revisions_total", () => Interlocked.Read(ref _skippedRevisions), null,
            "Late-span follow-up revisions not aggregated (they would double count).");
        Meter.CreateObservableCounter("trace_analytics_aggregate_sketch_values_collapsed_total", () => Interlocked.Read(ref _collapsed), null,
            "Latency values of emitted windows moved into a sketch's lowest kept bucket by aggregate.sketch.max.buckets (their quantiles lose accuracy).");
    }

    /// <summary>Makes sure the instruments exist (they are created with the type) before an exporter's first scrape.</summary>
    public static void EnsureCreated() => _ = Meter;

    public static void Late() => Interlocked.Increment(ref _late);

    public static void SeriesOverflow(AggregateKind kind) => Interlocked.Increment(ref OverflowByKind[(int)kind]);

    public static void WindowEmitted(bool early, long collapsedValues)
    {
        Interlocked.Increment(ref _emitted);
        if (early) Interlocked.Increment(ref _closedEarly);
        if (collapsedValues > 0) Interlocked.Add(ref _collapsed, collapsedValues);
    }

    public static void RevisionSkipped() => Interlocked.Increment(ref _skippedRevisions);

    private static IEnumerable<Measurement<long>> ObserveOverflow()
    {
        var result = new Measurement<long>[OverflowByKind.Length];
        for (int i = 0; i < result.Length; i++) result[i] = new Measurement<long>(Interlocked.Read(ref OverflowByKind[i]), KindTags[i]);
        return result;
    }

    private static KeyValuePair<string, object?>[][] CreateKindTags()
    {
        var tags = new KeyValuePair<string, object?>[AggregateKindNames.Count][];
        for (int i = 0; i < tags.Length; i++) tags[i] = [new("kind", AggregateKindNames.Of((AggregateKind)i))];
        return tags;
    }
}
