using System.Diagnostics.Metrics;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// The Meter <c>StreamAnalytics.Aggregate</c>: what the windowed aggregation cut or dropped (listed in
/// <c>docs/METRICS.md</c>). Instrument names are the Prometheus names.
/// </summary>
internal static class AggregateMetrics
{
    public const string MeterName = "StreamAnalytics.Aggregate";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> LateTraces = Meter.CreateCounter<long>(
        "trace_analytics_aggregate_late_traces_total", null, "Traces dropped because their window had already closed (start beyond aggregate.grace.ms).");

    private static readonly Counter<long> Overflow = Meter.CreateCounter<long>(
        "trace_analytics_aggregate_series_overflow_total", null, "Aggregate updates redirected to the overflow series by aggregate.cardinality.limit.");

    private static readonly Counter<long> Emitted = Meter.CreateCounter<long>(
        "trace_analytics_aggregate_windows_emitted_total", null, "Windows closed and emitted as aggregate documents.");

    private static readonly Counter<long> ClosedEarly = Meter.CreateCounter<long>(
        "trace_analytics_aggregate_windows_closed_early_total", null, "Windows emitted before their grace ended because aggregate.max.open.windows was reached.");

    private static readonly Counter<long> SkippedRevisions = Meter.CreateCounter<long>(
        "trace_analytics_aggregate_skipped_revisions_total", null, "Late-span follow-up revisions not aggregated (they would double count).");

    private static readonly KeyValuePair<string, object?>[][] KindTags = CreateKindTags();

    public static void Late() => LateTraces.Add(1);

    public static void SeriesOverflow(AggregateKind kind) => Overflow.Add(1, KindTags[(int)kind]);

    public static void WindowEmitted(bool early)
    {
        Emitted.Add(1);
        if (early) ClosedEarly.Add(1);
    }

    public static void RevisionSkipped() => SkippedRevisions.Add(1);

    private static KeyValuePair<string, object?>[][] CreateKindTags()
    {
        var tags = new KeyValuePair<string, object?>[AggregateKindNames.Count][];
        for (int i = 0; i < tags.Length; i++) tags[i] = [new("kind", AggregateKindNames.Of((AggregateKind)i))];
        return tags;
    }
}
