using System.Diagnostics.Metrics;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Internals;

namespace StreamAnalytics.Streams.Tests.Internals;

public class StreamsMetricsTests
{
    [Fact]
    public void Counters_and_the_lag_gauge_are_published_on_the_streams_meter_with_their_tags()
    {
        string app = "metrics-" + Guid.NewGuid().ToString("N");
        var partitions = new List<PartitionStatus> { new("spans", 3, new TaskId(0, 3), 100, 42, 7, false) };
        using var metrics = new StreamsMetrics(app, () => partitions);
        var seen = new List<(string Name, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StreamsMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dict = new Dictionary<string, object?>();
            foreach (var t in tags) dict[t.Key] = t.Value;
            if (Equals(dict.GetValueOrDefault("application.id"), app)) lock (seen) seen.Add((instrument.Name, value, dict));
        });
        listener.Start();

        metrics.RecordProcessed();
        metrics.RecordDeadLettered();
        metrics.RecordCommitFailure();
        listener.RecordObservableInstruments();

        Assert.Contains(seen, m => m.Name == "streams.records.processed" && m.Value == 1);
        Assert.Contains(seen, m => m.Name == "streams.records.dead_lettered" && m.Value == 1);
        Assert.Contains(seen, m => m.Name == "streams.commit.failures" && m.Value == 1);
        var lag = Assert.Single(seen, m => m.Name == "streams.consumer.lag");
        Assert.Equal(42, lag.Value);
        Assert.Equal(3, lag.Tags["partition"]);
        Assert.Equal("spans", lag.Tags["topic"]);
        Assert.Equal(7, Assert.Single(seen, m => m.Name == "streams.queue.size").Value);
        Assert.Equal(1, metrics.DeadLettered);
    }

    [Fact]
    public void The_counters_alerts_watch_are_observed_at_zero_before_their_first_increment()
    {
        string app = "metrics-zero-" + Guid.NewGuid().ToString("N");
        using var metrics = new StreamsMetrics(app);
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StreamsMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var t in tags)
                if (t.Key == "application.id" && Equals(t.Value, app)) lock (seen) seen[instrument.Name] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        foreach (string name in new[] { "streams.records.dead_lettered", "streams.records.too_large", "streams.records.skipped", "streams.commits", "streams.commit.failures", "streams.rebalances" })
            Assert.True(seen.TryGetValue(name, out long v) && v == 0, name + " is not observed at 0 before its first increment");
    }

    [Fact]
    public void The_tasks_owned_gauge_reports_every_subtopology_including_those_without_tasks()
    {
        string app = "tasks-" + Guid.NewGuid().ToString("N");
        int[] perSubtopology = [0, 3];
        using var metrics = new StreamsMetrics(app, tasksPerSubtopology: () => perSubtopology);
        var seen = new List<(long Value, object? Subtopology)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StreamsMetrics.MeterName && instrument.Name == "streams.tasks.owned") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            object? app2 = null, sub = null;
            foreach (var t in tags)
            {
                if (t.Key == "application.id") app2 = t.Value;
                if (t.Key == "subtopology") sub = t.Value;
            }
            if (Equals(app2, app)) seen.Add((value, sub));
        });
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.Equal([(0L, (object?)0), (3L, 1)], seen);

        // The gauge reads the threads' current snapshot: a rebalance that moved the tasks shows at the next scrape.
        seen.Clear();
        perSubtopology = [2, 1];
        listener.RecordObservableInstruments();
        Assert.Equal([(2L, (object?)0), (1L, 1)], seen);
    }
}
