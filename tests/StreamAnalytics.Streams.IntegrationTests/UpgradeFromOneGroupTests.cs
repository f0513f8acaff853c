using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Testing.State;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>
/// Upgrading from the layout where one consumer group ran every sub-topology: the assembly side's new group
/// (<c>{app}-sub1</c>) has no offsets, and must start where the old group (<c>{app}</c>) left the repartition topic
/// rather than re-read every retained repartition record.
/// </summary>
public class UpgradeFromOneGroupTests(ITestOutputHelper testOutput)
{
    private const int Partitions = 3;

    [Fact]
    public async Task The_second_subtopology_starts_where_the_single_group_left_its_repartition_topic()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("upgrade-in", Partitions);
        string output = kafka.CreateTopic("upgrade-out", Partitions);
        string appId = "upgrade-" + Guid.NewGuid().ToString("N")[..8];
        string repartition = $"{appId}-by-key-repartition";
        CreateExactTopic(kafka, repartition, Partitions);

        // What the old version left behind: repartition records it had already processed, and its group's offsets past them.
        Produce(kafka, repartition, Enumerable.Range(0, 60).Select(i => ($"stale-{i}", "processed before the upgrade")));
        CommitEndOffsets(kafka, appId, repartition);

        var logs = new TestLoggerFactory();
        await using var streams = Build(kafka, RekeyAndCount(input, output), Config(kafka, appId), b => b.SetLoggerFactory(logs));
        try
        {
            streams.Start();
            Produce(kafka, input, Enumerable.Range(0, 90).Select(i => ($"k{i % 30}", $"v{i}")));
            var counts = Counts(ReadAll(kafka, output, r => r.Count >= 90, TimeSpan.FromSeconds(60)));

            Assert.DoesNotContain(counts, c => c.Key.StartsWith("stale-", StringComparison.Ordinal));
            Assert.Equal(90, counts.Count);
            foreach (var group in counts.GroupBy(c => c.Key)) Assert.Equal([1L, 2L, 3L], group.Select(g => g.Count).Order());
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    private static void CreateExactTopic(KafkaFixture kafka, string name, int partitions)
    {
        if (kafka.Embedded is { } embedded)
        {
            embedded.CreateTopic(name, partitions);
            return;
        }
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }])
            .GetAwaiter().GetResult();
    }

    /// <summary>Commits, as group <paramref name="groupId"/>, every partition of <paramref name="topic"/> at its end.</summary>
    private static void CommitEndOffsets(KafkaFixture kafka, string groupId, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers, GroupId = groupId, EnableAutoCommit = false,
        }).Build();
        var ends = new List<TopicPartitionOffset>();
        for (int p = 0; p < Partitions; p++)
        {
            var tp = new TopicPartition(topic, p);
            ends.Add(new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High));
        }
        Assert.True(ends.Sum(e => e.Offset.Value) >= 60, "the stale records were written");
        consumer.Commit(ends);
    }

    private static Topology RekeyAndCount(string input, string output) =>
        new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, input)
            .AddProcessor("rekey", () => new Rekey(), "in")
            .AddRepartition("by-key", Serdes.String, Serdes.String, ["rekey"], Partitions)
            .AddProcessor("count", () => new CountProcessor(), "by-key")
            .AddStateStore(Stores.InMemoryKeyValueStore("counts", Serdes.String, Serdes.Int64), "count")
            .AddSink("out", output, Serializers.Utf8, Serializers.Int64, "count");

    private sealed class Rekey : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context) => _context = context;

        public void Process(Record<string, string> record) =>
            _context!.Forward(new Record<string, string>("re-" + record.Key, record.Value, record.TimestampMs));

        public void Close() { }
    }
}
