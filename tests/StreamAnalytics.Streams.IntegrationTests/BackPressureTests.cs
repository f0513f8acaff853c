using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Testing;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>
/// Issue 19 item 3: a processor that reports itself blocked (<see cref="IBackPressure"/>) pauses its stream thread's
/// partitions: nothing is processed, no wall-clock punctuation fires and the task's wall clock stands still, while the
/// thread keeps polling past <c>max.poll.interval.ms</c> without losing its partitions; it resumes when unblocked.
/// </summary>
public class BackPressureTests(ITestOutputHelper testOutput)
{
    [Fact]
    public async Task A_blocked_processor_pauses_the_thread_which_keeps_polling_past_max_poll_interval_and_resumes_without_a_rebalance()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("bp-in", 2);
        var clock = new FakeTimeProvider(TopologyTestDriver.DefaultWallClockStart);
        var gate = new Gate();
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, input)
            .AddProcessor("gated", () => new GatedProcessor(gate), "in");
        var config = Config(kafka, "bp-" + Guid.NewGuid().ToString("N")[..8]);
        // At least session.timeout.ms (2.5 s in Config): librdkafka leaves the group for a member that does not poll for this long.
        config["consumer.max.poll.interval.ms"] = "3000";
        Produce(kafka, input, Enumerable.Range(0, 10).Select(i => ($"k{i}", $"a{i}")));
        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = Build(kafka, topology, config, b => b.SetTimeProvider(clock).SetLoggerFactory(logs));
            streams.Start();
            await WaitUntil(() => gate.Processed == 10, TimeSpan.FromSeconds(30), "the first records processed");

            gate.Blocked = true;
            await Task.Delay(1000); // the thread notices within one loop iteration (poll.ms = 50)
            long rebalances = streams.GetStatus().Rebalances;
            int punctuations = gate.Punctuations;
            Produce(kafka, input, Enumerable.Range(0, 10).Select(i => ($"k{i}", $"b{i}")));
            // Three punctuation intervals of wall clock pass while blocked.
            clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(4500); // longer than max.poll.interval.ms
            Assert.Equal(10, gate.Processed);
            Assert.Equal(punctuations, gate.Punctuations);
            Assert.Equal(rebalances, streams.GetStatus().Rebalances);

            gate.Blocked = false;
            await WaitUntil(() => gate.Processed == 20, TimeSpan.FromSeconds(30), "the records produced during the pause processed after it");
            var status = streams.GetStatus();
            Assert.Equal(rebalances, status.Rebalances);
            Assert.Equal(KafkaStreamsState.Running, status.State);
            // The pause does not count on the task's wall clock: no punctuation became due, and the processor sees the
            // clock as it was when the pause began.
            Assert.Equal(punctuations, gate.Punctuations);
            Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds() - 30_000, gate.LastWallClockMs);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task Partitions_assigned_while_blocked_are_paused_too_and_every_record_is_processed_after_the_resume()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("bp-move-in", 4);
        string appId = "bp-move-" + Guid.NewGuid().ToString("N")[..8];
        var gate = new Gate(); // one sink shared by both instances: blocked for both
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, input)
            .AddProcessor("gated", () => new GatedProcessor(gate), "in");
        var logs = new TestLoggerFactory();
        var a = Build(kafka, topology, Config(kafka, appId), b => b.SetLoggerFactory(logs));
        IKafkaStreams? b = null;
        try
        {
            Produce(kafka, input, Enumerable.Range(0, 16).Select(i => ($"k{i}", $"a{i}")));
            a.Start();
            await WaitUntil(() => gate.Distinct == 16, TimeSpan.FromSeconds(30), "the first records processed");
            gate.Blocked = true;
            await Task.Delay(500);
            int processed = gate.Processed;

            // A second instance joins while blocked: its new tasks must not process.
            b = Build(kafka, topology, Config(kafka, appId), c => c.SetLoggerFactory(logs));
            b.Start();
            await WaitUntil(() => Owned(a) == 2 && Owned(b) == 2, TimeSpan.FromSeconds(60), "the partitions spread over both instances");
            long consumed = a.GetStatus().RecordsConsumed + b.GetStatus().RecordsConsumed;
            Produce(kafka, input, Enumerable.Range(0, 16).Select(i => ($"k{i}", $"b{i}")));
            await Task.Delay(2000);
            Assert.Equal(processed, gate.Processed);
            // Paused, not just unprocessed: nothing is even fetched into the input queues.
            Assert.Equal(consumed, a.GetStatus().RecordsConsumed + b.GetStatus().RecordsConsumed);

            // It leaves: the partitions it hands back to the first instance must be paused there too.
            await b.DisposeAsync();
            b = null;
            await WaitUntil(() => Owned(a) == 4, TimeSpan.FromSeconds(60), "every partition back on the first instance");
            consumed = a.GetStatus().RecordsConsumed;
            Produce(kafka, input, Enumerable.Range(0, 16).Select(i => ($"k{i}", $"c{i}")));
            await Task.Delay(2000);
            Assert.Equal(processed, gate.Processed);
            Assert.Equal(consumed, a.GetStatus().RecordsConsumed);

            gate.Blocked = false;
            await WaitUntil(() => gate.Distinct == 48, TimeSpan.FromSeconds(30), "every record processed after the resume");
            Assert.Equal(KafkaStreamsState.Running, a.State);
        }
        finally
        {
            if (b is not null) await b.DisposeAsync();
            await a.DisposeAsync();
            logs.Dump(testOutput);
        }
    }

    private static int Owned(IKafkaStreams streams) => streams.GetStatus().AssignedPartitions.Count;

    private sealed class Gate
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _values = new();

        /// <summary>Distinct record values processed (a rewind may process one twice: at-least-once).</summary>
        public int Distinct => _values.Count;

        public void Saw(string value) => _values.TryAdd(value, true);

        public volatile bool Blocked;
        private int _processed, _punctuations;
        private long _lastWallClockMs;

        public int Processed => Volatile.Read(ref _processed);
        public int Punctuations => Volatile.Read(ref _punctuations);
        public long LastWallClockMs => Interlocked.Read(ref _lastWallClockMs);

        public void Record(long wallClockMs)
        {
            Interlocked.Exchange(ref _lastWallClockMs, wallClockMs);
            Interlocked.Increment(ref _processed);
        }

        public void Punctuated() => Interlocked.Increment(ref _punctuations);
    }

    /// <summary>Stands for a sink whose destination is down while <see cref="Gate.Blocked"/>.</summary>
    private sealed class GatedProcessor(Gate gate) : IProcessor<string, string, string, string>, IBackPressure
    {
        private IProcessorContext<string, string>? _context;

        public bool IsBlocked => gate.Blocked;

        public void Init(IProcessorContext<string, string> context)
        {
            _context = context;
            context.Schedule(TimeSpan.FromSeconds(10), PunctuationType.WallClockTime, new Punctuator(gate));
        }

        public void Process(Record<string, string> record)
        {
            gate.Saw(record.Value);
            gate.Record(_context!.CurrentSystemTimeMs);
        }

        public void Flush(CancellationToken cancellationToken) { }

        public bool TryFlush(TimeSpan timeout, CancellationToken cancellationToken) => !gate.Blocked;

        public void Close() { }

        private sealed class Punctuator(Gate gate) : IPunctuator
        {
            public void Punctuate(long timestampMs) => gate.Punctuated();
        }
    }
}
