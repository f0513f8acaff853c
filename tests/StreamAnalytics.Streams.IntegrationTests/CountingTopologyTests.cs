using System.Diagnostics.Metrics;
using StreamAnalytics.Streams.Internals;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

public class CountingTopologyTests(Xunit.Abstractions.ITestOutputHelper testOutput)
{
    [Fact]
    public async Task A_stateful_count_on_two_stream_threads_over_a_multi_partition_topic_emits_every_count_once()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("count-in", 4);
        string output = kafka.CreateTopic("count-out", 4);
        var records = Enumerable.Range(0, 400).Select(i => ($"key-{i % 20}", $"v{i}")).ToList();
        Produce(kafka, input, records);

        var logs = new TestLoggerFactory();
        var config = Config(kafka, "count-" + Guid.NewGuid().ToString("N")[..8]);
        config.NumStreamThreads = 2; // two consumers in the group, each with its own producer and tasks
        // streams.records.processed as a listener (the Prometheus collector) sees it: every record counted, in batches
        // (one Add per task turn), not one callback per record.
        long processedSum = 0, processedMeasurements = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StreamsMetrics.MeterName && instrument.Name == "streams.records.processed") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key != "application.id" || !Equals(t.Value, config.ApplicationId)) continue;
                Interlocked.Add(ref processedSum, value);
                Interlocked.Increment(ref processedMeasurements);
            }
        });
        listener.Start();
        await using var streams = Build(kafka, CountingTopology(input, output), config, b => b.SetLoggerFactory(logs));
        streams.Start();
        try
        {

        var read = ReadAll(kafka, output, r => r.Count >= records.Count, TimeSpan.FromSeconds(30));
        var counts = Counts(read);
        foreach (var group in counts.GroupBy(c => c.Key))
        {
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), group.Select(g => g.Count).Order());
        }
        Assert.Equal(20, counts.Select(c => c.Key).Distinct().Count());

        await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == records.Count, TimeSpan.FromSeconds(15), "offsets committed");
        Assert.Equal(KafkaStreamsState.Running, streams.State);
        Assert.True(await streams.CloseAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(KafkaStreamsState.NotRunning, streams.State);
        Assert.Equal(records.Count, streams.GetStatus().RecordsProcessed);
        Assert.Equal(records.Count, Interlocked.Read(ref processedSum));
        Assert.True(Interlocked.Read(ref processedMeasurements) < records.Count / 2,
            $"{processedMeasurements} measurements of streams.records.processed for {records.Count} records: counted per record, not per task turn");
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task The_records_and_bytes_produced_to_each_topic_are_counted_by_topic()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("produced-in", 2);
        string output = kafka.CreateTopic("produced-out", 2);
        var records = Enumerable.Range(0, 300).Select(i => ($"key-{i % 30}", $"value-{i}")).ToList();
        Produce(kafka, input, records);

        string appId = "produced-" + Guid.NewGuid().ToString("N")[..8];
        var produced = new Dictionary<(string Name, string Topic), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StreamsMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? app = null, topic = null;
            foreach (var t in tags)
            {
                if (t.Key == "application.id") app = t.Value as string;
                if (t.Key == "topic") topic = t.Value as string;
            }
            if (app == appId && topic is not null && instrument.Name is "streams.records.produced" or "streams.produced")
                lock (produced) produced[(instrument.Name, topic)] = value;
        });
        listener.Start();

        await using var streams = Build(kafka, CountingTopology(input, output), Config(kafka, appId));
        streams.Start();
        await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == records.Count, TimeSpan.FromSeconds(30), "offsets committed");
        listener.RecordObservableInstruments(); // before close: the instance's meter goes with it

        // Every count goes to the sink and to the store's changelog; the counters must match what the topics hold.
        string changelog = $"{appId}-counts-changelog";
        foreach (string topic in new[] { output, changelog })
        {
            var held = ReadAll(kafka, topic, r => r.Count >= records.Count, TimeSpan.FromSeconds(15));
            Assert.Equal(records.Count, held.Count);
            Assert.Equal(held.Count, produced[("streams.records.produced", topic)]);
            Assert.Equal(held.Sum(r => (long)r.Message.Key.Length + r.Message.Value.Length), produced[("streams.produced", topic)]);
        }
        Assert.Equal(2, produced.Keys.Select(k => k.Topic).Distinct().Count());
        Assert.True(await streams.CloseAsync(TimeSpan.FromSeconds(20)));
    }
}
