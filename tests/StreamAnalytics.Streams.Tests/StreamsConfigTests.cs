using Confluent.Kafka;
using StreamAnalytics.Streams.Internals;

namespace StreamAnalytics.Streams.Tests;

public class StreamsConfigTests
{
    private static StreamsConfig Valid() => new() { ApplicationId = "app", BootstrapServers = "localhost:9092" };

    [Fact]
    public void Defaults_follow_kafka_streams()
    {
        var c = Valid();
        Assert.Equal(ProcessingGuarantee.AtLeastOnce, c.ProcessingGuarantee);
        Assert.Equal(1000, c.CommitIntervalMs);
        Assert.Equal(1000, c.BufferedRecordsPerPartition);
        Assert.Equal(1, c.NumStreamThreads);
        Assert.Equal(0, c.MaxTaskIdleMs);
        c.Validate();
    }

    [Fact]
    public void Exactly_once_shortens_the_default_commit_interval_but_not_an_explicit_one()
    {
        var c = Valid();
        c[StreamsConfig.ProcessingGuaranteeKey] = "exactly_once_v2";
        Assert.Equal(ProcessingGuarantee.ExactlyOnceV2, c.ProcessingGuarantee);
        Assert.Equal(100, c.CommitIntervalMs);
        c.CommitIntervalMs = 5000;
        Assert.Equal(5000, c.CommitIntervalMs);
    }

    [Theory]
    [InlineData("application.id", null, "application.id is required")]
    [InlineData("application.id", "has space", "application.id 'has space'")]
    [InlineData("bootstrap.servers", null, "bootstrap.servers is required")]
    [InlineData("processing.guarantee", "exactly_once", "processing.guarantee 'exactly_once'")]
    [InlineData("commit.interval.ms", "0", "commit.interval.ms '0'")]
    [InlineData("buffered.records.per.partition", "-1", "buffered.records.per.partition '-1'")]
    [InlineData("max.task.idle.ms", "soon", "max.task.idle.ms 'soon'")]
    [InlineData("session.timeout.ms", "6000", "unknown key 'session.timeout.ms'")]
    [InlineData("consumer.group.id", "other", "consumer.group.id is set by the runtime")]
    [InlineData("producer.transactional.id", "x", "producer.transactional.id is set by the runtime")]
    [InlineData("producer.partitioner", "consistent_random", "producer.partitioner is set by the runtime")]
    [InlineData("consumer.dotnet.consumer.consume.result.fields", "none", "consumer.dotnet.consumer.consume.result.fields is set by the runtime")]
    public void Validation_names_the_offending_key(string key, string? value, string expected)
    {
        var c = Valid();
        c[key] = value;
        var ex = Assert.Throws<ArgumentException>(c.Validate);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Prefixed_and_security_keys_reach_the_matching_clients()
    {
        var c = Valid();
        c["security.protocol"] = "SASL_SSL";
        c["sasl.mechanism"] = "PLAIN";
        c["consumer.fetch.wait.max.ms"] = "77";
        c["producer.linger.ms"] = "9";
        c["restore.consumer.fetch.wait.max.ms"] = "11";
        c["admin.request.timeout.ms"] = "1234";
        c.Validate();

        var consumer = ClientConfigs.MainConsumer(c, "id");
        Assert.Equal("SASL_SSL", consumer.Get("security.protocol"));
        Assert.Equal(77, consumer.FetchWaitMaxMs);
        Assert.Equal("app", consumer.GroupId);
        Assert.Equal(PartitionAssignmentStrategy.CooperativeSticky, consumer.PartitionAssignmentStrategy);
        Assert.False(consumer.EnableAutoCommit);

        Assert.Equal(11, ClientConfigs.RestoreConsumer(c, "id").FetchWaitMaxMs);
        // Topic names are marshalled unless the consumer reads one topic (the stream thread then sets it).
        Assert.Equal("all", consumer.Get("dotnet.consumer.consume.result.fields"));
        Assert.Equal("timestamp,headers", ClientConfigs.MainConsumer(c, "id", singleSourceTopic: true).Get("dotnet.consumer.consume.result.fields"));
        var producer = ClientConfigs.Producer(c, "id", transactionalId: null);
        Assert.Equal(9, producer.LingerMs);
        Assert.Equal("PLAIN", producer.Get("sasl.mechanism"));
        Assert.Null(producer.TransactionalId);
        Assert.Equal(1234, ClientConfigs.Admin(c).Get("request.timeout.ms") is { } t ? int.Parse(t) : 0);
    }

    [Fact]
    public void The_producer_compresses_with_lz4_unless_the_job_sets_another_codec()
    {
        Assert.Equal(CompressionType.Lz4, ClientConfigs.Producer(Valid(), "id", transactionalId: null).CompressionType);
        var c = Valid();
        c["producer.compression.type"] = "zstd";
        c.Validate();
        Assert.Equal(CompressionType.Zstd, ClientConfigs.Producer(c, "id", transactionalId: null).CompressionType);
    }

    [Fact]
    public void A_topic_limit_below_the_producers_lowers_message_max_bytes_and_batch_size_under_it()
    {
        var producer = ClientConfigs.Producer(Valid(), "id", transactionalId: null, topicLimit: 20_000);
        Assert.Equal(20_000 - ClientConfigs.BatchOverheadBytes, producer.MessageMaxBytes);
        Assert.Equal(20_000 - ClientConfigs.BatchOverheadBytes, producer.BatchSize);

        // Unknown, or above what the producer is set to: the producer's own settings stand.
        Assert.Null(ClientConfigs.Producer(Valid(), "id", transactionalId: null, topicLimit: null).MessageMaxBytes);
        var c = Valid();
        c["producer.message.max.bytes"] = "10000";
        c["producer.batch.size"] = "5000";
        c.Validate();
        var own = ClientConfigs.Producer(c, "id", transactionalId: null, topicLimit: 20_000);
        Assert.Equal(10_000, own.MessageMaxBytes);
        Assert.Equal(5_000, own.BatchSize);
        Assert.False(ClientConfigs.FitTopicLimit(own, 20_000));

        // librdkafka's floor for message.max.bytes is 1000.
        Assert.Equal(1000, ClientConfigs.Producer(Valid(), "id", transactionalId: null, topicLimit: 500).MessageMaxBytes);
    }

    [Fact]
    public void Exactly_once_makes_the_consumer_read_committed_and_the_producer_transactional()
    {
        var c = Valid();
        c.ProcessingGuarantee = ProcessingGuarantee.ExactlyOnceV2;
        Assert.Equal(IsolationLevel.ReadCommitted, ClientConfigs.MainConsumer(c, "id").IsolationLevel);
        Assert.Equal(IsolationLevel.ReadCommitted, ClientConfigs.RestoreConsumer(c, "id").IsolationLevel);
        var producer = ClientConfigs.Producer(c, "id", "app-p-1");
        Assert.Equal("app-p-1", producer.TransactionalId);
        Assert.True(producer.EnableIdempotence);
    }
}
