using Confluent.Kafka;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.IntegrationTests;
using StreamAnalytics.Streams.Testing.State;

namespace StreamAnalytics.TestSupport;

/// <summary>
/// Shared pieces of the integration tests: a fast config, produce and consume helpers. The counting topology is the
/// other part (tests/Shared/StreamsTestKit.Counting.cs), which the unit tests use too.
/// </summary>
internal static partial class StreamsTestKit
{
    public static StreamsConfig Config(KafkaFixture kafka, string applicationId, ProcessingGuarantee guarantee = ProcessingGuarantee.AtLeastOnce)
    {
        var config = new StreamsConfig
        {
            ApplicationId = applicationId,
            BootstrapServers = kafka.BootstrapServers,
            ProcessingGuarantee = guarantee,
            CommitIntervalMs = 200,
            PollMs = 50,
        };
        // Short group timeouts: the embedded brokers wait session.timeout.ms - 1 s for members to rejoin a rebalance, so
        // this keeps each rebalance step near 1.5 s. Real brokers refuse less than group.min.session.timeout.ms (6 s).
        config["consumer.session.timeout.ms"] = kafka.IsRealKafka ? "6000" : "2500";
        config["consumer.heartbeat.interval.ms"] = "300";
        config["consumer.topic.metadata.refresh.interval.ms"] = "1000";
        return config;
    }

    public static IKafkaStreams Build(KafkaFixture kafka, Topology topology, StreamsConfig config, Action<KafkaStreamsBuilder>? customize = null)
    {
        var builder = new KafkaStreamsBuilder(topology, config);
        if (kafka.TopicAdmin is { } admin) builder.SetTopicAdmin(admin);
        customize?.Invoke(builder);
        return builder.Build();
    }

    public static void Produce(KafkaFixture kafka, string topic, IEnumerable<(string Key, string Value)> records)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5, EnableIdempotence = true }).Build();
        foreach (var (k, v) in records) producer.Produce(topic, new Message<string, string> { Key = k, Value = v });
        if (producer.Flush(TimeSpan.FromSeconds(30)) != 0) throw new InvalidOperationException("test producer did not flush");
    }

    public static void ProduceRaw(KafkaFixture kafka, string topic, IEnumerable<Message<byte[], byte[]>> records)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5 }).Build();
        foreach (var m in records) producer.Produce(topic, m);
        if (producer.Flush(TimeSpan.FromSeconds(30)) != 0) throw new InvalidOperationException("test producer did not flush");
    }

    /// <summary>Reads <paramref name="topic"/> from the beginning until <paramref name="until"/> holds for what was read, or the timeout passes.</summary>
    public static List<ConsumeResult<byte[], byte[]>> ReadAll(
        KafkaFixture kafka, string topic, Func<List<ConsumeResult<byte[], byte[]>>, bool> until, TimeSpan timeout, bool readCommitted = false)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            IsolationLevel = readCommitted ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted,
        }).Build();
        consumer.Subscribe(topic);
        var read = new List<ConsumeResult<byte[], byte[]>>();
        var deadline = DateTime.UtcNow + timeout;
        while (!until(read) && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is not null && !r.IsPartitionEOF) read.Add(r);
        }
        consumer.Close();
        return read;
    }

    /// <summary>Counts per key: (key, count) pairs as written by the counting topology.</summary>
    public static List<(string Key, long Count)> Counts(IEnumerable<ConsumeResult<byte[], byte[]>> records) =>
        records.Select(r => (Deserializers.Utf8.Deserialize(r.Message.Key, false, default), Deserializers.Int64.Deserialize(r.Message.Value, false, default))).ToList();

    public static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            await Task.Delay(50);
        }
    }
}
