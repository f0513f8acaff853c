using System.Text;
using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Internals;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>Issue 19.1: an output larger than the producer's message.max.bytes must not stop the stream thread.</summary>
public class TooLargeOutputTests(ITestOutputHelper testOutput)
{
    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task An_output_over_message_max_bytes_becomes_a_small_dead_letter_and_processing_continues(ProcessingGuarantee guarantee)
    {
        using var kafka = new KafkaFixture();
        // 10,000 bytes is the producer's limit below: 50,000 is refused at Produce, 100 goes through.
        var (output, appId, topology) = InflatingJob(kafka, "big");
        var config = Config(kafka, appId, guarantee);
        bool committedOnly = guarantee == ProcessingGuarantee.ExactlyOnceV2;
        config["producer.message.max.bytes"] = "10000";
        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = Build(kafka, topology, config, b => b.SetLoggerFactory(logs));
            streams.Start();

            var letter = await ExpectDeadLetteredHugeAsync(kafka, streams, output, appId, committedOnly);
            Assert.Null(letter.Message.Value);
            Assert.Contains("message.max.bytes", Header(letter, DeadLetterHeaders.ErrorReason));
            Assert.Contains("50000", Header(letter, DeadLetterHeaders.ErrorReason));
            Assert.Equal(1, streams.GetStatus().RecordsDeadLettered);
            Assert.Equal(KafkaStreamsState.Running, streams.State);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task An_output_over_the_topics_max_message_bytes_is_dead_lettered_by_the_client_not_refused_by_the_broker(ProcessingGuarantee guarantee)
    {
        // The topic's limit (20,000) is far below the producer's (librdkafka's default, 1,000,000). A broker that refuses
        // the 50,000-byte record would doom an exactly_once_v2 transaction, and its replay would meet the same refusal;
        // the runtime asks the admin for the limit and lowers its producer to it, so the client refuses instead. The
        // embedded brokers keep no topic configs, so the admin reports the limit here (RealKafka_… below lets a real
        // broker enforce it); without the fit the embedded broker accepts the record and it arrives.
        using var kafka = new KafkaFixture();
        var (output, appId, topology) = InflatingJob(kafka, "limit");
        var config = Config(kafka, appId, guarantee);
        var admin = new ReportedLimitAdmin(kafka.TopicAdmin!, output, 20_000);
        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = new KafkaStreamsBuilder(topology, config).SetLoggerFactory(logs).SetTopicAdmin(admin).Build();
            streams.Start();
            await ExpectDeadLetteredHugeAsync(kafka, streams, output, appId, guarantee == ProcessingGuarantee.ExactlyOnceV2);
            Assert.Contains(admin.Asked, topics => topics.Contains(output) && topics.Contains(appId + DeadLetterHeaders.TopicSuffix));
            Assert.Contains(logs.Lines, l => l.Contains("message.max.bytes 19872", StringComparison.Ordinal));
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public void The_admin_client_answers_unknown_where_the_broker_cannot_describe_topic_configs_within_its_bound()
    {
        // The embedded brokers do not implement DescribeConfigs: the job must start with the producer's own limit, not
        // fail, and wait at most KafkaTopicAdmin.DescribeTimeout (one request for all topics), however long the admin's
        // own timeout. On a real broker the same call reads the topic's config (the RealKafka_ test below).
        using var kafka = new KafkaFixture();
        if (kafka.IsRealKafka) return;
        string output = kafka.CreateTopic("limit-out", 1);
        var admin = new KafkaTopicAdmin(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }, TimeSpan.FromSeconds(60));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(admin.GetMaxMessageBytes([output, "absent-" + Guid.NewGuid().ToString("N"), output + "-2"]));
        Assert.True(watch.Elapsed < KafkaTopicAdmin.DescribeTimeout + TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task With_the_lookup_off_start_does_not_ask_for_topic_limits()
    {
        using var kafka = new KafkaFixture();
        if (kafka.TopicAdmin is null) return; // the reporting admin wraps the embedded one
        var (output, appId, topology) = InflatingJob(kafka, "nolookup");
        var admin = new ReportedLimitAdmin(kafka.TopicAdmin, output, 20_000);
        await using var streams = new KafkaStreamsBuilder(topology, Config(kafka, appId)).SetTopicAdmin(admin).SetTopicLimitLookup(false).Build();
        streams.Start();
        // The 50,000-byte record is not refused by the client: the producer kept its own limit.
        var outputs = ReadAll(kafka, output, r => r.Count >= 3, TimeSpan.FromSeconds(30));
        Assert.Equal(3, outputs.Count);
        Assert.Empty(admin.Asked);
    }

    [RealKafkaFact("topic configs (max.message.bytes)")]
    public async Task RealKafka_a_topic_limit_below_the_producers_is_found_and_a_larger_output_is_dead_lettered_under_exactly_once()
    {
        using var kafka = new KafkaFixture();
        var (output, appId, topology) = InflatingJob(kafka, "limit", new Dictionary<string, string> { ["max.message.bytes"] = "20000" });
        var config = Config(kafka, appId, ProcessingGuarantee.ExactlyOnceV2);
        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = Build(kafka, topology, config, b => b.SetLoggerFactory(logs));
            streams.Start();
            await ExpectDeadLetteredHugeAsync(kafka, streams, output, appId, committedOnly: true);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    /// <summary>
    /// Topics and topology of a job that inflates each input to the size it names, with three inputs produced: small-1
    /// (100 bytes), huge (50,000) and small-2 (100).
    /// </summary>
    private static (string Output, string AppId, Topology Topology) InflatingJob(KafkaFixture kafka, string prefix, IReadOnlyDictionary<string, string>? outputConfigs = null)
    {
        string input = kafka.CreateTopic(prefix + "-in", 1);
        string output = kafka.CreateTopic(prefix + "-out", 1, outputConfigs);
        string appId = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Int32, input)
            .AddProcessor("inflate", () => new Inflate(), "in")
            .AddSink("out", output, Serializers.Utf8, Serializers.Utf8, "inflate");
        Produce(kafka, input, [("small-1", 100), ("huge", 50_000), ("small-2", 100)]);
        return (output, appId, topology);
    }

    /// <summary>small-1 and small-2 reach the output, huge becomes one dead letter (returned), all three offsets commit.</summary>
    private static async Task<ConsumeResult<byte[], byte[]>> ExpectDeadLetteredHugeAsync(KafkaFixture kafka, IKafkaStreams streams, string output, string appId, bool committedOnly)
    {
        var outputs = ReadAll(kafka, output, r => r.Count >= 2, TimeSpan.FromSeconds(30), committedOnly);
        Assert.Equal(["small-1", "small-2"], outputs.Select(r => Encoding.UTF8.GetString(r.Message.Key)));
        var dead = ReadAll(kafka, appId + DeadLetterHeaders.TopicSuffix, r => r.Count >= 1, TimeSpan.FromSeconds(30), committedOnly);
        var letter = Assert.Single(dead);
        Assert.Equal("huge", Encoding.UTF8.GetString(letter.Message.Key));
        Assert.Equal(output, Header(letter, DeadLetterHeaders.TargetTopic));
        Assert.Equal("record-too-large", Header(letter, DeadLetterHeaders.ErrorKind));
        await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == 3, TimeSpan.FromSeconds(15), "all three offsets committed");
        Assert.Equal(KafkaStreamsState.Running, streams.State);
        return letter;
    }

    /// <summary>The embedded admin, reporting a <c>max.message.bytes</c> for one topic as a real broker's DescribeConfigs would.</summary>
    private sealed class ReportedLimitAdmin(ITopicAdmin inner, string topic, int limit) : ITopicAdmin
    {
        public List<IReadOnlyList<string>> Asked { get; } = [];

        public int? GetPartitionCount(string name) => inner.GetPartitionCount(name);

        public void CreateTopics(IReadOnlyList<InternalTopicSpec> topics) => inner.CreateTopics(topics);

        public IReadOnlyDictionary<string, int>? GetMaxMessageBytes(IReadOnlyList<string> topics)
        {
            lock (Asked) Asked.Add(topics);
            return topics.Contains(topic) ? new Dictionary<string, int> { [topic] = limit } : new Dictionary<string, int>();
        }
    }

    private static void Produce(KafkaFixture kafka, string topic, IEnumerable<(string Key, int Size)> records) =>
        ProduceRaw(kafka, topic, records.Select(r => new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(r.Key), Value = Serializers.Int32.Serialize(r.Size, default) }));

    private static string? Header(ConsumeResult<byte[], byte[]> r, string name) =>
        r.Message.Headers.TryGetLastBytes(name, out var v) ? Encoding.UTF8.GetString(v) : null;

    /// <summary>Forwards a string of the requested length: a stand-in for a features document of a huge trace.</summary>
    private sealed class Inflate : IProcessor<string, int, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context) => _context = context;

        public void Process(Record<string, int> record) => _context!.Forward(new Record<string, string>(record.Key, new string('x', record.Value), record.TimestampMs));

        public void Close() { }
    }
}
