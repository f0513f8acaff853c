using System.Text;
using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Testing;
using StreamAnalytics.Streams.Testing.State;
using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Streams.Tests.Testing;

public class TopologyTestDriverTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static List<(string Key, long Count)> Counts(TopologyTestDriver driver, string topic) =>
        driver.ReadOutput(topic, Deserializers.Utf8, Deserializers.Int64).Select(r => (r.Key, r.Value)).ToList();

    [Fact]
    public void A_counting_topology_counts_per_key_and_its_store_can_be_inspected()
    {
        using var driver = new TopologyTestDriver(StreamsTestKit.CountingTopology("in", "out"));
        driver.PipeInput("in", Utf8("a"), Utf8("1"), 1000);
        driver.PipeInput("in", Utf8("b"), Utf8("2"), 1001);
        driver.PipeInput("in", Utf8("a"), Utf8("3"), 1002);

        Assert.Equal([("a", 1L), ("b", 1L), ("a", 2L)], Counts(driver, "out"));
        Assert.Empty(driver.ReadOutput("out"));
        var store = driver.GetStateStore<IKeyValueStore<string, long>>("counts");
        Assert.True(store.TryGet("a", out long a));
        Assert.Equal(2, a);
        Assert.Equal(3, driver.RecordsProcessed);
    }

    [Fact]
    public void A_new_driver_restored_from_the_changelog_continues_where_the_old_one_stopped()
    {
        IReadOnlyList<TestRecord> changelog;
        using (var first = new TopologyTestDriver(StreamsTestKit.CountingTopology("in", "out")))
        {
            first.PipeInput("in", Utf8("a"), Utf8("x"), 1, partition: 0);
            first.PipeInput("in", Utf8("a"), Utf8("x"), 2, partition: 0);
            first.PipeInput("in", Utf8("c"), Utf8("x"), 3, partition: 1);
            changelog = first.ChangelogRecords;
        }
        Assert.All(changelog, r => Assert.Equal("test-driver-counts-changelog", r.Topic));
        Assert.Equal([0, 0, 1], changelog.Select(r => r.Partition));

        using var second = new TopologyTestDriver(StreamsTestKit.CountingTopology("in", "out"), restoreFrom: changelog);
        Assert.True(second.GetStateStore<IKeyValueStore<string, long>>("counts", partition: 1).TryGet("c", out long c));
        Assert.Equal(1, c);
        second.PipeInput("in", Utf8("a"), Utf8("x"), 4, partition: 0);
        Assert.Equal([("a", 3L)], Counts(second, "out"));
    }

    [Fact]
    public void Stream_time_punctuation_follows_record_timestamps_and_ignores_the_wall_clock()
    {
        using var driver = new TopologyTestDriver(Probe.Topology(PunctuationType.StreamTime, TimeSpan.FromSeconds(10)));
        driver.PipeInput("in", null, Utf8("r1"), 1_000);
        driver.AdvanceWallClockTime(TimeSpan.FromMinutes(5));
        Assert.Empty(Outputs(driver));

        driver.PipeInput("in", null, Utf8("r2"), 10_999);
        Assert.Empty(Outputs(driver));
        driver.PipeInput("in", null, Utf8("late"), 500); // out of order: stream time stays at 10_999
        driver.PipeInput("in", null, Utf8("r3"), 11_000);
        Assert.Equal(["punctuate@11000 streamTime=11000"], Outputs(driver));
    }

    [Fact]
    public void Stream_time_never_moves_back_for_an_out_of_order_record()
    {
        using var driver = new TopologyTestDriver(Probe.Topology(PunctuationType.StreamTime, TimeSpan.FromHours(1), echo: true));
        driver.PipeInput("in", null, Utf8("a"), 5_000);
        driver.PipeInput("in", null, Utf8("b"), 3_000);
        Assert.Equal(["a streamTime=5000", "b streamTime=5000"], Outputs(driver));
    }

    [Fact]
    public void Wall_clock_punctuation_fires_without_any_new_record()
    {
        using var driver = new TopologyTestDriver(Probe.Topology(PunctuationType.WallClockTime, TimeSpan.FromSeconds(10)));
        driver.PipeInput("in", null, Utf8("r1"), 1);
        driver.AdvanceWallClockTime(TimeSpan.FromSeconds(9));
        Assert.Empty(Outputs(driver));
        driver.AdvanceWallClockTime(TimeSpan.FromSeconds(1));
        long expected = driver.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal([$"punctuate@{expected} streamTime=1"], Outputs(driver));
        // A jump over several intervals fires once.
        driver.AdvanceWallClockTime(TimeSpan.FromSeconds(35));
        Assert.Single(Outputs(driver));
    }

    [Fact]
    public void Undeserializable_and_rejected_records_are_dead_lettered_and_the_rest_flows()
    {
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Int32, "in")
            .AddProcessor("check", () => new RejectOdd(), "in")
            .AddSink("out", "out", Serializers.Utf8, Serializers.Int32, "check");
        using var driver = new TopologyTestDriver(topology);
        driver.PipeInput("in", Utf8("short"), [1, 2], 10, headers: [new("trace", Utf8("t-1"))]);
        driver.PipeInput("in", Utf8("odd"), Serializers.Int32.Serialize(3, default), 11);
        driver.PipeInput("in", Utf8("even"), Serializers.Int32.Serialize(4, default), 12);

        Assert.Equal(["even"], driver.ReadOutput("out").Select(r => Encoding.UTF8.GetString(r.Key!)));
        var dead = driver.ReadOutput(driver.DeadLetterTopic);
        Assert.Equal(2, dead.Count);
        Assert.Equal("in", dead[0].HeaderString(DeadLetterHeaders.SourceTopic));
        Assert.Equal("0", dead[0].HeaderString(DeadLetterHeaders.SourceOffset));
        Assert.Equal("deserialization", dead[0].HeaderString(DeadLetterHeaders.ErrorKind));
        Assert.Equal("t-1", dead[0].HeaderString("trace"));
        Assert.Equal([1, 2], dead[0].Value);
        Assert.Equal("1", dead[1].HeaderString(DeadLetterHeaders.SourceOffset));
        Assert.Equal("odd value 3", dead[1].HeaderString(DeadLetterHeaders.ErrorReason));
        Assert.Null(dead[1].HeaderString(DeadLetterHeaders.ErrorKind));
        Assert.Equal(2, driver.RecordsDeadLettered);
    }

    [Fact]
    public void A_log_and_continue_policy_skips_undeserializable_records_without_dead_lettering()
    {
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Int32, "in")
            .AddSink("out", "out", Serializers.Utf8, Serializers.Int32, "in");
        using var driver = new TopologyTestDriver(topology, deserializationExceptionHandler: new LogAndContinueExceptionHandler());
        driver.PipeInput("in", Utf8("k"), [1], 1);
        Assert.Empty(driver.ReadOutput(driver.DeadLetterTopic));
        Assert.Equal(1, driver.RecordsSkipped);
    }

    [Fact]
    public void A_fail_policy_stops_on_the_first_undeserializable_record_with_its_coordinates()
    {
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Int32, "in")
            .AddSink("out", "out", Serializers.Utf8, Serializers.Int32, "in");
        using var driver = new TopologyTestDriver(topology, deserializationExceptionHandler: new LogAndFailExceptionHandler());
        var ex = Assert.Throws<StreamsException>(() => driver.PipeInput("in", Utf8("k"), [1], 1, partition: 2));
        Assert.Equal(("in", 2, 0L), (ex.Topic, ex.Partition, ex.Offset));
    }

    [Fact]
    public void A_failing_processor_surfaces_as_a_streams_exception_naming_the_record()
    {
        var topology = new Topology()
            .AddSource("in", "in")
            .AddProcessor("boom", () => new Throwing(), "in");
        using var driver = new TopologyTestDriver(topology);
        driver.PipeInput("in", null, null, 1);
        var ex = Assert.Throws<StreamsException>(() => driver.PipeInput("in", null, null, 2));
        Assert.Contains("processor 'boom' failed on in-0@1", ex.Message);
        Assert.Equal(1, ex.Offset);
    }

    [Fact]
    public void While_a_record_is_processed_the_wall_clock_is_the_one_read_before_it_and_outside_processing_it_is_read_now()
    {
        var seen = new List<(long Before, long After)>();
        TopologyTestDriver? driverRef = null;
        var topology = new Topology()
            .AddSource("in", "in")
            .AddProcessor("clock", () => new ClockReader(seen, () => driverRef!.Time.Advance(TimeSpan.FromSeconds(5))), "in");
        using var driver = new TopologyTestDriver(topology);
        driverRef = driver;
        long start = driver.Time.GetUtcNow().ToUnixTimeMilliseconds();

        driver.PipeInput("in", null, null, 1);
        driver.PipeInput("in", null, null, 2);

        // The clock moved 5 s inside each Process: the processor still sees the time its record started with
        // (as Kafka Streams caches currentSystemTimeMs per loop), and the next record sees the moved clock.
        Assert.Equal([(start, start), (start + 5_000, start + 5_000)], seen);
    }

    [Fact]
    public void Dead_lettering_outside_of_process_is_refused()
    {
        var topology = new Topology()
            .AddSource("in", "in")
            .AddProcessor("p", () => new DeadLetterInPunctuation(), "in");
        using var driver = new TopologyTestDriver(topology);
        driver.PipeInput("in", null, null, 1);
        var ex = Assert.Throws<StreamsException>(() => driver.AdvanceWallClockTime(TimeSpan.FromSeconds(2)));
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public void A_repartition_routes_each_record_to_the_partition_its_new_key_chooses()
    {
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, "in")
            .AddProcessor("rekey", () => new ValueAsKey(), "in")
            .AddRepartition("by-value", Serdes.String, Serdes.String, ["rekey"], partitions: 3)
            .AddProcessor("where", () => new TagWithTask(), "by-value")
            .AddSink("out", "out", Serializers.Utf8, Serializers.Utf8, "where");
        using var driver = new TopologyTestDriver(topology);
        driver.PipeInput("in", Utf8("k1"), Utf8("trace-1"), 1, partition: 0);
        driver.PipeInput("in", Utf8("k2"), Utf8("trace-3"), 2, partition: 1);
        driver.PipeInput("in", Utf8("k3"), Utf8("trace-1"), 3, partition: 1);

        // Placed by the key hash (no custom partitioner): each record is processed by the task of the repartition
        // partition its new key landed on, so both trace-1 records meet in one task though they came in on two.
        var placed = driver.ReadOutput("test-driver-by-value-repartition").Select(r => r.Partition).ToList();
        var outputs = driver.ReadOutput("out", Deserializers.Utf8, Deserializers.Utf8).Select(r => $"{r.Key}:{r.Value}").ToList();
        Assert.Equal(3, placed.Count);
        Assert.Equal(placed[0], placed[2]);
        Assert.Equal([$"trace-1:1_{placed[0]}", $"trace-3:1_{placed[1]}", $"trace-1:1_{placed[2]}"], outputs);
    }

    [Fact]
    public void Flushable_processors_are_flushed_before_every_commit()
    {
        var flushes = new List<int>();
        var topology = new Topology()
            .AddSource("in", "in")
            .AddProcessor("sink", () => new FlushRecorder(flushes), "in");
        using var driver = new TopologyTestDriver(topology);
        driver.PipeInput("in", null, null, 1);
        driver.PipeInput("in", null, null, 2);
        Assert.Equal([1, 2], flushes);
    }

    [Fact]
    public void A_processor_cannot_reach_a_store_it_is_not_connected_to()
    {
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, "in")
            .AddProcessor("count", () => new StreamsTestKit.CountProcessor(), "in")
            .AddStateStore(Stores.InMemoryKeyValueStore("other", Serdes.String, Serdes.Int64), "count");
        using var driver = new TopologyTestDriver(topology);
        var ex = Assert.Throws<StreamsException>(() => driver.PipeInput("in", Utf8("k"), Utf8("v"), 1));
        Assert.Contains("store 'counts' is not connected to processor 'count'", ex.InnerException!.Message);
    }

    private static List<string> Outputs(TopologyTestDriver driver) =>
        driver.ReadOutput("out").Select(r => Encoding.UTF8.GetString(r.Value!)).ToList();

    /// <summary>Emits "punctuate@t streamTime=s" from a punctuator and, if asked, echoes each record with the stream time.</summary>
    private sealed class Probe(PunctuationType type, TimeSpan interval, bool echo) : IProcessor<byte[]?, byte[]?, byte[]?, byte[]?>
    {
        private IProcessorContext<byte[]?, byte[]?>? _context;

        public static Topology Topology(PunctuationType type, TimeSpan interval, bool echo = false) => new Topology()
            .AddSource("in", "in")
            .AddProcessor("probe", () => new Probe(type, interval, echo), "in")
            .AddSink("out", "out", Serdes.ByteArray.Serializer, Serdes.ByteArray.Serializer, "probe");

        public void Init(IProcessorContext<byte[]?, byte[]?> context)
        {
            _context = context;
            context.Schedule(interval, type, new Callback(t => Emit($"punctuate@{t} streamTime={_context!.CurrentStreamTimeMs}", t)));
        }

        public void Process(Record<byte[]?, byte[]?> record)
        {
            if (echo) Emit($"{Encoding.UTF8.GetString(record.Value!)} streamTime={_context!.CurrentStreamTimeMs}", record.TimestampMs);
        }

        public void Close() { }

        private void Emit(string text, long ts) => _context!.Forward(new Record<byte[]?, byte[]?>(null, Utf8(text), ts));
    }

    private sealed class Callback(Action<long> action) : IPunctuator
    {
        public void Punctuate(long timestampMs) => action(timestampMs);
    }

    private sealed class RejectOdd : IProcessor<string, int, string, int>
    {
        private IProcessorContext<string, int>? _context;

        public void Init(IProcessorContext<string, int> context) => _context = context;

        public void Process(Record<string, int> record)
        {
            if (record.Value % 2 == 1) _context!.DeadLetter($"odd value {record.Value}");
            else _context!.Forward(record);
        }

        public void Close() { }
    }

    private sealed class ClockReader(List<(long Before, long After)> seen, Action moveClock) : IProcessor<byte[]?, byte[]?, byte[]?, byte[]?>
    {
        private IProcessorContext<byte[]?, byte[]?>? _context;

        public void Init(IProcessorContext<byte[]?, byte[]?> context) => _context = context;

        public void Process(Record<byte[]?, byte[]?> record)
        {
            long before = _context!.CurrentSystemTimeMs;
            moveClock();
            seen.Add((before, _context.CurrentSystemTimeMs));
        }

        public void Close() { }
    }

    private sealed class Throwing : IProcessor<byte[]?, byte[]?, byte[]?, byte[]?>
    {
        private int _seen;

        public void Init(IProcessorContext<byte[]?, byte[]?> context) { }

        public void Process(Record<byte[]?, byte[]?> record)
        {
            if (++_seen == 2) throw new InvalidOperationException("second record");
        }

        public void Close() { }
    }

    private sealed class DeadLetterInPunctuation : IProcessor<byte[]?, byte[]?, byte[]?, byte[]?>
    {
        public void Init(IProcessorContext<byte[]?, byte[]?> context) =>
            context.Schedule(TimeSpan.FromSeconds(1), PunctuationType.WallClockTime, new Callback(_ => context.DeadLetter("no record here")));

        public void Process(Record<byte[]?, byte[]?> record) { }

        public void Close() { }
    }

    private sealed class ValueAsKey : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context) => _context = context;

        public void Process(Record<string, string> record) => _context!.Forward(record with { Key = record.Value });

        public void Close() { }
    }

    private sealed class TagWithTask : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context) => _context = context;

        public void Process(Record<string, string> record) => _context!.Forward(record with { Value = _context.TaskId.ToString() });

        public void Close() { }
    }

    private sealed class FlushRecorder(List<int> flushes) : IProcessor<byte[]?, byte[]?, byte[]?, byte[]?>, IFlushable
    {
        private int _seen;

        public void Init(IProcessorContext<byte[]?, byte[]?> context) { }

        public void Process(Record<byte[]?, byte[]?> record) => _seen++;

        public void Flush(CancellationToken cancellationToken) => flushes.Add(_seen);

        public void Close() { }
    }
}
