using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Streams.Testing.Embedded;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Generate;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Cli.IntegrationTests.Job;

/// <summary>The trace job in-process on an embedded cluster, with a manual wall clock.</summary>
public class TraceJobTests
{
    private static List<IReadOnlyList<LogicalSpan>> Traces(int count, int seed)
    {
        var generator = new TraceGenerator(GenerateCommand.WithoutLongTraces(SimulatedSystem.OnlineShop), seed, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        return generator.Traces(count).ToList();
    }

    private static TraceJobSettings Settings(string dir, Dictionary<string, string>? extra = null)
    {
        var pairs = new Dictionary<string, string>
        {
            ["application.id"] = "jobtest",
            ["kafka.bootstrap.servers"] = "placeholder:9092", // replaced by the embedded cluster's
            ["source.topics"] = "spans",
            ["source.format"] = "otlp_proto",
            ["file.dir"] = dir,
            ["file.format"] = "plain",
            ["metrics.bind"] = "127.0.0.1:0",
            ["commit.interval.ms"] = "200",
        };
        foreach (var kv in extra ?? []) pairs[kv.Key] = kv.Value;
        return TraceJobSettings.From(JobConfiguration.FromPairs(pairs));
    }

    private static async Task ProduceAsync(string bootstrap, IEnumerable<(int Partition, byte[] Value)> messages)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        foreach (var (partition, value) in messages)
            producer.Produce(new TopicPartition("spans", partition), new Message<Null, byte[]> { Value = value });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        await Task.CompletedTask;
    }

    private static List<JsonElement> ReadTraces(string dir)
    {
        string path = Path.Combine(dir, "traces.ndjson");
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var result = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) result.Add(JsonDocument.Parse(line).RootElement.Clone());
        return result;
    }

    private static async Task<List<JsonElement>> WaitForTracesAsync(string dir, int expected, FakeTimeProvider clock, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<JsonElement> traces = [];
        while (DateTime.UtcNow < deadline)
        {
            traces = ReadTraces(dir);
            if (traces.Count >= expected) return traces;
            clock.Advance(TimeSpan.FromSeconds(1)); // wall-clock punctuation completes idle traces
            await Task.Delay(100);
        }
        return traces;
    }

    /// <summary>
    /// Waits (bounded) until the job has drained both of its input topics: no lag anywhere and nothing processed for
    /// a while, since repartitioned records appear only after their source records were processed.
    /// </summary>
    /// <remarks>With <c>committing</c> false (a job that does not commit while it runs), lag, computed from committed
    /// offsets, is no sign of progress: only the processed count is watched.</remarks>
    private static async Task WaitUntilIdleAsync(TraceJobHost host, long minimumProcessed, bool committing = true)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long last = -1;
        int quiet = 0;
        while (DateTime.UtcNow < deadline && quiet < 3)
        {
            await Task.Delay(300);
            var status = host.Streams!.GetStatus();
            bool drained = status.RecordsProcessed >= minimumProcessed && status.AssignedPartitions.Count > 0
                && (!committing || status.AssignedPartitions.All(p => p.Lag is 0 or null));
            quiet = drained && status.RecordsProcessed == last ? quiet + 1 : 0;
            last = status.RecordsProcessed;
        }
    }

    private static void AssertWhole(IReadOnlyList<IReadOnlyList<LogicalSpan>> traces, List<JsonElement> emitted)
    {
        var byId = emitted.GroupBy(e => e.GetProperty("traceId").GetString()!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(traces.Count, byId.Count);
        foreach (var trace in traces)
        {
            var docs = byId[trace[0].TraceId];
            Assert.Single(docs);
            var doc = docs[0];
            Assert.Equal(trace.Count, doc.GetProperty("spanCount").GetInt32());
            var expected = trace.GroupBy(s => s.Service + "::" + s.Operation).ToDictionary(g => g.Key, g => g.Count());
            var actual = doc.GetProperty("spanCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)] // two stream threads share the sinks and the derived metrics
    public async Task Traces_split_over_many_OTLP_batches_and_partitions_come_out_whole_once_each(int streamThreads)
    {
        using var cluster = EmbeddedKafkaCluster.Start(defaultPartitions: 4);
        cluster.CreateTopic("spans", 4);
        string dir = Directory.CreateTempSubdirectory("job-split-").FullName;
        var traces = Traces(150, seed: 21);
        // Each span in its own batch, sent to a random partition: every trace is spread over several partitions.
        var random = new Random(5);
        var messages = traces.SelectMany(t => t).OrderBy(_ => random.Next())
            .Select(s => (random.Next(4), SpanEncoders.Encode(SpanFormat.OtlpProto, [s]).Single())).ToList();

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = Settings(dir, new()
        {
            ["assembly.gap.ms"] = "5000", ["assembly.root.grace.ms"] = "60000",
            ["num.stream.threads"] = streamThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using (var host = new TraceJobHost(settings, NullLoggerFactory.Instance, clock))
        {
            await host.StartAsync(CancellationToken.None, cluster);
            await ProduceAsync(cluster.BootstrapServers, messages);
            // Move the manual wall clock only once every span is in an assembler: moving it earlier completes traces
            // by the gap while some of their spans are still on the way (a partial revision 0, then a late revision).
            // Every message is processed twice: once by decoding and once, as one repartition record (one span per
            // message), by assembly. Waiting for both matters since each sub-topology has its own consumer group: the
            // decoding side can be drained while the assembly group is still joining.
            await WaitUntilIdleAsync(host, 2L * messages.Count);
            var emitted = await WaitForTracesAsync(dir, traces.Count, clock, TimeSpan.FromSeconds(90));
            await host.StopAsync();
            AssertWhole(traces, emitted);
        }
        AssertRepartitionedByMurmur2(cluster.BootstrapServers, "jobtest-spans-by-trace-repartition", 4, traces.Count, messages.Count);
    }

    private static void AssertCommittedToEnd(string bootstrap, string groupId, string[] topics, int partitions)
    {
        // Not subscribed, so this consumer never joins the group: it only reads the group's committed offsets.
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = groupId, EnableAutoCommit = false }).Build();
        var all = topics.SelectMany(t => Enumerable.Range(0, partitions).Select(p => new TopicPartition(t, p))).ToList();
        var committed = consumer.Committed(all, TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
        foreach (var tp in all)
        {
            long end = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value;
            if (end == 0) continue;
            Assert.True(committed[tp] == end, $"{tp}: committed {committed[tp]}, end {end}");
        }
    }

    /// <summary>
    /// Every record of the repartition topic sits where Kafka's murmur2 puts its trace-id key (Kafka Streams' placement),
    /// not where librdkafka's default partitioner (CRC-32) would: for 4 partitions they disagree for
    /// about three keys in four.
    /// </summary>
    private static void AssertRepartitionedByMurmur2(string bootstrap, string topic, int partitions, int traceCount, int spanCount)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "repartition-check", EnableAutoCommit = false, EnablePartitionEof = true,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        int records = 0, ended = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ended < partitions && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null) continue;
            if (result.IsPartitionEOF) { ended++; continue; }
            records++;
            Assert.Equal(TraceIdKey.Partition(result.Message.Key, partitions), result.Partition.Value);
        }
        Assert.Equal(partitions, ended);
        // At least one record per trace, at most one per span (each input batch held one span): all of them were checked.
        Assert.InRange(records, traceCount, spanCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)] // a thread that leaves the group first must not make the other's final commit fail
    public async Task Traces_open_before_a_restart_complete_correctly_after_it_from_the_changelog(int streamThreads)
    {
        using var cluster = EmbeddedKafkaCluster.Start(defaultPartitions: 4);
        cluster.CreateTopic("spans", 4);
        string dir = Directory.CreateTempSubdirectory("job-restart-").FullName;
        var traces = Traces(80, seed: 33);
        var firstHalf = traces.SelectMany(t => t.Take(t.Count / 2)).ToList();
        var secondHalf = traces.SelectMany(t => t.Skip(t.Count / 2)).ToList();
        byte[] Encode(LogicalSpan s) => SpanEncoders.Encode(SpanFormat.OtlpProto, [s]).Single();

        // Nothing may complete by itself: long gap, long root grace, and a wall clock that only moves when told.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        TraceJobSettings WithCommitInterval(string ms) => Settings(dir, new()
        {
            ["assembly.gap.ms"] = "60000", ["assembly.root.grace.ms"] = "60000", ["assembly.max.trace.duration.ms"] = "600000",
            ["commit.interval.ms"] = ms,
            // The mock broker keeps a group whose last member left rebalancing for session.timeout.ms - 1 s and holds
            // the next member's join that long (Kafka empties the group at once): keep that wait short.
            ["kafka.consumer.session.timeout.ms"] = "3000", ["kafka.consumer.heartbeat.interval.ms"] = "500",
            ["num.stream.threads"] = streamThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        // In the first instance only the final commit at shutdown covers what it processed.
        await using (var first = new TraceJobHost(WithCommitInterval("600000"), NullLoggerFactory.Instance, clock))
        {
            await first.StartAsync(CancellationToken.None, cluster);
            await ProduceAsync(cluster.BootstrapServers, firstHalf.Select((s, i) => (i % 4, Encode(s))));
            // Both sub-topologies process every span once (decoding, then assembly from the repartition topic): wait
            // for both, so none is left for the second instance to pick up besides its own half.
            await WaitUntilIdleAsync(first, 2L * firstHalf.Count, committing: false);
            Assert.True(await first.StopAsync());
        }
        Assert.Empty(ReadTraces(dir));
        // A clean stop commits every partition to its end: the next instance re-processes nothing.
        // Each sub-topology commits in its own group: decoding as the application id, assembly as "-sub1".
        AssertCommittedToEnd(cluster.BootstrapServers, "jobtest", ["spans"], 4);
        AssertCommittedToEnd(cluster.BootstrapServers, "jobtest-sub1", ["jobtest-spans-by-trace-repartition"], 4);

        await using (var second = new TraceJobHost(WithCommitInterval("200"), NullLoggerFactory.Instance, clock))
        {
            await second.StartAsync(CancellationToken.None, cluster);
            await ProduceAsync(cluster.BootstrapServers, secondHalf.Select((s, i) => (i % 4, Encode(s))));
            // Let the restored instance consume the second halves, then move the wall clock past the gap.
            // Assembly must have taken every second half before the clock moves, or traces complete without them.
            await WaitUntilIdleAsync(second, 2L * secondHalf.Count);
            clock.Advance(TimeSpan.FromSeconds(61));
            var emitted = await WaitForTracesAsync(dir, traces.Count, clock, TimeSpan.FromSeconds(60));
            await second.StopAsync();
            AssertWhole(traces, emitted);
        }
    }
}
