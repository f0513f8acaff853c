using System.Text;
using System.Text.Json;
using StreamAnalytics.Features.Aggregate;
using static StreamAnalytics.Features.Tests.Aggregate.AggregateTestTraces;

namespace StreamAnalytics.Features.Tests.Aggregate;

public class WindowedAggregatorTests
{
    private const long T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a window boundary
    private static readonly AggregateConfig Config = new() { WindowMs = 60_000, GraceMs = 10_000 };

    [Fact]
    public void A_trace_is_assigned_to_the_window_of_its_start_time()
    {
        var aggregator = new WindowedAggregator(Config);
        var (t1, f1) = Checkout(1, T0 + 59_999);
        var (t2, f2) = Checkout(2, T0 + 60_000);
        aggregator.Add(t1, f1);
        aggregator.Add(t2, f2);

        var docs = aggregator.FlushAll();
        var roots = docs.Where(d => d.Kind == AggregateKind.RootOperation).OrderBy(d => d.WindowStartMs).ToList();

        Assert.Equal(2, roots.Count);
        Assert.Equal(T0, roots[0].WindowStartMs);
        Assert.Equal(T0 + 60_000, roots[0].WindowEndMs);
        Assert.Equal(T0 + 60_000, roots[1].WindowStartMs);
    }

    [Fact]
    public void Only_the_kinds_kept_are_computed_and_emitted_and_the_kept_ones_are_unchanged()
    {
        var all = new WindowedAggregator(Config);
        var spanCountsOnly = new WindowedAggregator(Config, kinds: new HashSet<AggregateKind> { AggregateKind.SpanCount });
        var (t, f) = Checkout(1, T0 + 5_000);
        all.Add(t, f);
        spanCountsOnly.Add(t, f);

        var expected = all.FlushAll().Where(d => d.Kind == AggregateKind.SpanCount).Select(Describe).OrderBy(x => x, StringComparer.Ordinal).ToList();
        var kept = spanCountsOnly.FlushAll();

        Assert.NotEmpty(expected);
        Assert.All(kept, d => Assert.Equal(AggregateKind.SpanCount, d.Kind));
        Assert.Equal(expected, kept.Select(Describe).OrderBy(x => x, StringComparer.Ordinal).ToList());
    }

    private static string Describe(AggregateDocument d)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) AggregateDocumentJson.Write(writer, d);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void A_window_is_emitted_once_when_stream_time_passes_its_end_plus_grace()
    {
        var aggregator = new WindowedAggregator(Config);
        var (t, f) = Checkout(1, T0 + 5_000);
        aggregator.Add(t, f);

        Assert.Empty(aggregator.CloseWindows(T0 + 60_000 + 9_999));
        var docs = aggregator.CloseWindows(T0 + 60_000 + 10_000);
        Assert.NotEmpty(docs);
        Assert.All(docs, d => Assert.Equal(T0, d.WindowStartMs));
        Assert.Empty(aggregator.CloseWindows(T0 + 200_000));
        Assert.Equal(0, aggregator.OpenWindowCount);
    }

    [Fact]
    public void A_trace_within_grace_is_counted_and_one_beyond_grace_is_counted_as_late_and_dropped()
    {
        var aggregator = new WindowedAggregator(Config);
        aggregator.CloseWindows(T0 + 69_999); // window [T0, T0+60s) is still in its grace period
        var (t1, f1) = Checkout(1, T0 + 1_000);
        Assert.Equal(AggregateAddOutcome.Added, aggregator.Add(t1, f1));

        var emitted = aggregator.CloseWindows(T0 + 70_000);
        Assert.Equal(1, emitted.Single(d => d.Kind == AggregateKind.RootOperation).Count);

        var (t2, f2) = Checkout(2, T0 + 2_000);
        Assert.Equal(AggregateAddOutcome.Late, aggregator.Add(t2, f2));
        Assert.Equal(1, aggregator.LateTraces);
        Assert.Equal(0, aggregator.OpenWindowCount);
        Assert.Empty(aggregator.FlushAll());
    }

    [Fact]
    public void Follow_up_revisions_are_not_aggregated_because_they_would_double_count()
    {
        var aggregator = new WindowedAggregator(Config);
        var (t, f) = Checkout(1, T0);
        var (rt, rf) = Checkout(1, T0, revision: 1);
        aggregator.Add(t, f);
        Assert.Equal(AggregateAddOutcome.SkippedRevision, aggregator.Add(rt, rf));

        var root = aggregator.FlushAll().Single(d => d.Kind == AggregateKind.RootOperation);
        Assert.Equal(1, root.Count);
        Assert.Equal(1, aggregator.SkippedRevisions);
    }

    [Fact]
    public void Each_dimension_kind_gets_its_documented_figures()
    {
        var aggregator = new WindowedAggregator(Config, partition: 3);
        var (t1, f1) = Checkout(1, T0, rootError: true, durationMs: 100);
        var (t2, f2) = Checkout(2, T0 + 10, durationMs: 300);
        aggregator.Add(t1, f1);
        aggregator.Add(t2, f2);
        var docs = aggregator.FlushAll();

        var query = docs.Single(d => d.Kind == AggregateKind.Operation && d.Operation == "query");
        Assert.Equal(("checkout", "client", "error"), (query.Service, query.SpanKind, query.Status));
        Assert.Equal(2, query.Count);
        Assert.Equal(2, query.ErrorCount);
        Assert.InRange(query.P50, 30_000 * 0.99, 30_000 * 1.01);
        Assert.Equal("us", query.Unit);

        var rootOk = docs.Single(d => d.Kind == AggregateKind.Operation && d.Operation == "GET /checkout" && d.Status == "unset");
        Assert.Equal(1, rootOk.Count);
        Assert.Equal(0, rootOk.ErrorCount);

        var db = docs.Single(d => d.Kind == AggregateKind.Edge && d.Server == "postgres");
        Assert.Equal(("checkout", "database"), (db.Client, db.ConnectionType));
        Assert.Equal(2, db.Count);
        Assert.Equal(2, db.ErrorCount);

        var path = docs.Single(d => d.Kind == AggregateKind.ServicePath);
        Assert.Equal("frontend>checkout", path.Path);
        Assert.Equal(2, path.Count);
        Assert.Equal(2, path.ErrorCount); // both traces have an error span

        var root = docs.Single(d => d.Kind == AggregateKind.RootOperation);
        Assert.Equal(("frontend", "GET /checkout"), (root.RootService, root.RootOperation));
        Assert.Equal(2, root.Count);
        Assert.Equal(1, root.ErrorCount); // only the trace whose root failed
        Assert.Equal(3.0, root.MeanSpanCount);
        Assert.Equal(3.0, root.MeanDepth);
        Assert.Equal(100_000, root.Min);
        Assert.Equal(300_000, root.Max);
        Assert.Equal(1, root.BucketCounts[FixedHistogram.DurationBoundsUs.ToList().IndexOf(100_000)]);
        Assert.Equal(1, root.BucketCounts[FixedHistogram.DurationBoundsUs.ToList().IndexOf(500_000)]);

        var spanCount = docs.Single(d => d.Kind == AggregateKind.SpanCount && d.Operation == "query");
        Assert.Equal("checkout", spanCount.Service);
        Assert.Equal("spans", spanCount.Unit);
        Assert.Equal(2, spanCount.Count);
        Assert.Equal(1, spanCount.P99);

        Assert.All(docs, d => Assert.Equal(3, d.Partition));
        Assert.Equal(docs.Count, docs.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public void Beyond_max_open_windows_the_oldest_is_emitted_early_and_counted()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig { MaxOpenWindows = 2 });
        for (int i = 0; i < 3; i++)
        {
            var (t, f) = Single((ulong)i + 1, T0 + i * 60_000L, "svc", "op");
            aggregator.Add(t, f);
        }

        Assert.Equal(2, aggregator.OpenWindowCount);
        Assert.Equal(1, aggregator.WindowsClosedEarly);
        var early = aggregator.CloseWindows(T0);
        Assert.All(early, d => Assert.Equal(T0, d.WindowStartMs));
        Assert.NotEmpty(early);
    }

    [Fact]
    public void Restoring_from_the_changelog_gives_the_same_documents()
    {
        var original = new WindowedAggregator(Config, partition: 1);
        var changelog = new FakeChangelog();
        var (t1, f1) = Checkout(1, T0);
        var (t2, f2) = Checkout(2, T0 + 61_000);
        original.Add(t1, f1);
        original.WriteChangelog(changelog);
        original.Add(t2, f2); // changes the second window and ...
        var (t3, f3) = Checkout(3, T0 + 100, rootError: true);
        original.Add(t3, f3); // ... the first again: last write wins on restore
        original.WriteChangelog(changelog);

        var restored = new WindowedAggregator(Config, partition: 1);
        changelog.ReplayInto(restored.Restore);

        Assert.Equal(Json(original.FlushAll()), Json(restored.FlushAll()));
    }

    [Fact]
    public void Series_of_an_emitted_window_are_tombstoned_so_a_restore_does_not_emit_it_again()
    {
        var aggregator = new WindowedAggregator(Config);
        var changelog = new FakeChangelog();
        var (t1, f1) = Checkout(1, T0);
        var (t2, f2) = Checkout(2, T0 + 60_000);
        aggregator.Add(t1, f1);
        aggregator.Add(t2, f2);
        aggregator.WriteChangelog(changelog);
        int logged = changelog.Records.Count;
        Assert.NotEmpty(aggregator.CloseWindows(T0 + 70_000));
        aggregator.WriteChangelog(changelog);

        int tombstones = changelog.Records.Skip(logged).Count(r => r.Value is null);
        Assert.Equal(aggregator.FlushAll().Count, logged - tombstones); // only the second window remains logged

        var restored = new WindowedAggregator(Config);
        changelog.ReplayInto(restored.Restore);
        Assert.Equal(1, restored.OpenWindowCount);
        Assert.Equal(T0 + 70_000, restored.WatermarkMs);
        // The restored watermark keeps the emitted window closed: a replayed trace of it is late, not a second emission.
        var (t3, f3) = Checkout(3, T0 + 5);
        Assert.Equal(AggregateAddOutcome.Late, restored.Add(t3, f3));
        Assert.All(restored.FlushAll(), d => Assert.Equal(T0 + 60_000, d.WindowStartMs));
    }

    [Fact]
    public void Each_changed_series_is_logged_once_per_flush_however_often_it_changed()
    {
        var aggregator = new WindowedAggregator(Config);
        for (ulong i = 0; i < 10; i++)
        {
            var (t, f) = Single(i + 1, T0 + (long)i, "svc", "op");
            aggregator.Add(t, f);
        }
        var changelog = new FakeChangelog();
        aggregator.WriteChangelog(changelog);
        // operation, servicePath, rootOperation, spanCount: one series each.
        Assert.Equal(4, changelog.Records.Count);
        aggregator.WriteChangelog(changelog);
        Assert.Equal(4, changelog.Records.Count);
    }

    [Fact]
    public void Window_start_is_the_floor_also_before_1970()
    {
        Assert.Equal(-60_000, WindowedAggregator.WindowStartOf(-1, 60_000));
        Assert.Equal(0, WindowedAggregator.WindowStartOf(59_999, 60_000));
    }

    [Fact]
    public void Invalid_configuration_names_the_key()
    {
        var e = Assert.Throws<ArgumentException>(() => AggregateConfig.FromProperties(new Dictionary<string, string> { ["aggregate.grace.ms"] = "-1" }));
        Assert.Contains("aggregate.grace.ms", e.Message);
        var config = AggregateConfig.FromProperties(new Dictionary<string, string> { ["aggregate.window.ms"] = "30000" });
        Assert.Equal(30_000, config.WindowMs);
        Assert.Equal(10_000, config.GraceMs);
    }

    internal static string Json(IEnumerable<AggregateDocument> docs)
    {
        var sb = new StringBuilder();
        foreach (var doc in docs.OrderBy(d => d.Id, StringComparer.Ordinal))
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream)) AggregateDocumentJson.Write(writer, doc);
            sb.Append(doc.Id).Append(' ').AppendLine(Encoding.UTF8.GetString(stream.ToArray()));
        }
        return sb.ToString();
    }

    [Fact]
    public void Latency_values_the_sketch_bucket_bound_collapsed_are_counted_when_the_window_is_emitted()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig { WindowMs = 60_000, GraceMs = 10_000, SketchMaxBuckets = AggregateConfig.MinSketchBuckets });
        // Durations from 1 us to 1000 s: far more than 16 buckets of 2 % width.
        long duration = 1;
        for (ulong id = 1; duration <= 1_000_000_000; id++, duration *= 3)
        {
            var (t, f) = Single(id, T0 + 1000, "svc", "op", duration);
            aggregator.Add(t, f);
        }
        long collapsed = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == AggregateMetrics.MeterName && i.Name == "trace_analytics_aggregate_sketch_values_collapsed_total") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Exchange(ref collapsed, value));
        listener.Start();
        AggregateMetrics.EnsureCreated();
        listener.RecordObservableInstruments();
        long before = Interlocked.Read(ref collapsed);

        Assert.NotEmpty(aggregator.FlushAll());
        listener.RecordObservableInstruments();
        Assert.True(Interlocked.Read(ref collapsed) > before);
    }
}

public class QuantileRoundingTests
{
    [Theory]
    [InlineData(134637.8267829919, 135000)]
    [InlineData(255.3123, 255)]
    [InlineData(1.23456, 1.23)]
    [InlineData(0.0123456, 0.0123)]
    [InlineData(999.6, 1000)]
    [InlineData(0, 0)]
    public void Quantiles_keep_the_digits_a_one_percent_sketch_supports(double raw, double expected) =>
        Assert.Equal(expected, AggregateDocumentMapping.RoundToAccuracy(raw, DDSketch.DefaultRelativeAccuracy), 12);
}
