using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Testing;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

public class StreamThreadBehaviourTests(ITestOutputHelper testOutput)
{
    [Fact]
    public async Task Wall_clock_punctuation_fires_on_an_idle_partition_when_the_clock_moves()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("idle-in", 1);
        string output = kafka.CreateTopic("idle-out", 1);
        var clock = new FakeTimeProvider(TopologyTestDriver.DefaultWallClockStart);
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, input)
            .AddProcessor("flush", () => new FlushOnWallClock(), "in")
            .AddSink("out", output, Serializers.Utf8, Serializers.Utf8, "flush");
        Produce(kafka, input, [("k", "only record")]);
        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = Build(kafka, topology, Config(kafka, "idle-" + Guid.NewGuid().ToString("N")[..8]),
                b => b.SetTimeProvider(clock).SetLoggerFactory(logs));
            streams.Start();
            await WaitUntil(() => streams.GetStatus().RecordsProcessed == 1, TimeSpan.FromSeconds(20), "the record processed");
            // No more records arrive; only the clock moves.
            clock.Advance(TimeSpan.FromSeconds(11));
            var read = ReadAll(kafka, output, r => r.Count >= 1, TimeSpan.FromSeconds(20));
            Assert.Equal("flushed 1 buffered", Deserializers.Utf8.Deserialize(Assert.Single(read).Message.Value, false, default));
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task A_full_input_queue_stops_consuming_without_pausing_and_every_record_is_consumed_and_processed_once()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("pause-in", 1);
        string output = kafka.CreateTopic("pause-out", 1);
        var records = Enumerable.Range(0, 400).Select(i => ($"key-{i % 4}", $"v{i}")).ToList();
        Produce(kafka, input, records);
        var config = Config(kafka, "pause-" + Guid.NewGuid().ToString("N")[..8]);
        // A queue much smaller than a fetch: every fetch fills it many times over. The thread stops consuming while it is
        // above half full (TaskManager.InputFull) instead of pausing the partition: librdkafka's pause would drop the
        // prefetched rest (fetched again after resume), and a record that found its queue full would be refused,
        // rewound and consumed a second time.
        config.BufferedRecordsPerPartition = 16;
        config["consumer.fetch.wait.max.ms"] = "20";
        config["consumer.fetch.error.backoff.ms"] = "20";
        var logs = new TestLoggerFactory(Microsoft.Extensions.Logging.LogLevel.Debug);
        try
        {
            await using var streams = Build(kafka, CountingTopology(input, output), config, b => b.SetLoggerFactory(logs));
            streams.Start();
            var counts = Counts(ReadAll(kafka, output, r => r.Count >= records.Count, TimeSpan.FromSeconds(30)));
            Assert.Equal(records.Count, counts.Count);
            foreach (var group in counts.GroupBy(c => c.Key))
                Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), group.Select(g => g.Count));
            Assert.True(await streams.CloseAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(records.Count, streams.GetStatus().RecordsConsumed);
            Assert.DoesNotContain(logs.Lines, l => l.Contains($"Paused {input}", StringComparison.Ordinal) || l.Contains("paused and rewound", StringComparison.Ordinal));
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task A_full_queue_whose_task_waits_for_its_other_partition_is_paused_and_the_thread_keeps_consuming()
    {
        using var kafka = new KafkaFixture();
        string a = kafka.CreateTopic("wait-a", 1);
        string b = kafka.CreateTopic("wait-b", 1);
        string output = kafka.CreateTopic("wait-out", 1);
        // Never advanced: max.task.idle.ms never runs out, so the task processes only while both partitions hold records.
        var clock = new FakeTimeProvider(TopologyTestDriver.DefaultWallClockStart);
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, a, b)
            .AddSink("out", output, Serializers.Utf8, Serializers.Utf8, "in");
        Produce(kafka, a, Enumerable.Range(0, 100).Select(i => ($"a{i}", "v")));
        var config = Config(kafka, "wait-" + Guid.NewGuid().ToString("N")[..8]);
        config.BufferedRecordsPerPartition = 16;
        config.MaxTaskIdleMs = 60_000;
        config["consumer.fetch.wait.max.ms"] = "20";
        var logs = new TestLoggerFactory(Microsoft.Extensions.Logging.LogLevel.Debug);
        try
        {
            await using var streams = Build(kafka, topology, config, b => b.SetTimeProvider(clock).SetLoggerFactory(logs));
            streams.Start();
            // a's queue fills and its task cannot drain it (b is empty): if the thread stopped consuming for it, b's
            // record below would never be read and nothing would be processed.
            await WaitUntil(() => streams.GetStatus().RecordsConsumed >= 16, TimeSpan.FromSeconds(30), "a's queue filled");
            Assert.Equal(0, streams.GetStatus().RecordsProcessed);
            Produce(kafka, b, [("b0", "v")]);
            // With b's record queued, a's records (older) go first, a paused partition resumes as its queue drains.
            var read = ReadAll(kafka, output, r => r.Count >= 100, TimeSpan.FromSeconds(30));
            Assert.Equal(Enumerable.Range(0, 100).Select(i => $"a{i}"), read.Select(r => Deserializers.Utf8.Deserialize(r.Message.Key, false, default)));
            Assert.Contains(logs.Lines, l => l.Contains($"Paused {a}", StringComparison.Ordinal));
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    /// <summary>Buffers records and emits a summary only from a wall-clock punctuator (what a trace assembler does for quiet partitions).</summary>
    private sealed class FlushOnWallClock : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;
        private int _buffered;

        public void Init(IProcessorContext<string, string> context)
        {
            _context = context;
            context.Schedule(TimeSpan.FromSeconds(10), PunctuationType.WallClockTime, new Punctuator(this));
        }

        public void Process(Record<string, string> record) => _buffered++;

        public void Close() { }

        private sealed class Punctuator(FlushOnWallClock owner) : IPunctuator
        {
            public void Punctuate(long timestampMs)
            {
                if (owner._buffered == 0) return;
                owner._context!.Forward(new Record<string, string>("k", $"flushed {owner._buffered} buffered", timestampMs));
                owner._buffered = 0;
            }
        }
    }
}
