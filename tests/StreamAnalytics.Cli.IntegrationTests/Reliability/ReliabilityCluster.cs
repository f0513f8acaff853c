using System.Text.Json;
using Confluent.Kafka;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Testing.Embedded;
using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// An embedded cluster hosted by the test process (so the test can take brokers down), with every topic the trace job
/// needs created up front: the mock brokers do not implement CreateTopics, and the job refuses internal topics whose
/// partition count differs from the source's.
/// </summary>
public sealed class ReliabilityCluster : IDisposable
{
    public const string SourceTopic = "spans";

    private ReliabilityCluster(EmbeddedKafkaCluster cluster, string applicationId, int partitions)
    {
        Cluster = cluster;
        ApplicationId = applicationId;
        Partitions = partitions;
    }

    public EmbeddedKafkaCluster Cluster { get; }

    public string ApplicationId { get; }

    public int Partitions { get; }

    public string Bootstrap => Cluster.BootstrapServers;

    public string DeadLetterTopic => ApplicationId + DeadLetterHeaders.TopicSuffix;

    public string FeaturesTopic => ApplicationId + "-trace-features";

    public static ReliabilityCluster Start(string applicationId, int brokers = 3, int partitions = 6)
    {
        var cluster = EmbeddedKafkaCluster.Start(brokers, partitions);
        cluster.CreateTopic(SourceTopic, partitions, Math.Min(3, brokers));
        foreach (string internalTopic in new[] { "spans-by-trace-repartition", "open-traces-changelog", "trace-aggregates-changelog", "trace-features" })
            cluster.CreateTopic($"{applicationId}-{internalTopic}", partitions, Math.Min(3, brokers));
        cluster.CreateTopic($"{applicationId}-dlq", 1, Math.Min(3, brokers));
        return new ReliabilityCluster(cluster, applicationId, partitions);
    }

    /// <summary>Every record of a topic (all partitions, from the beginning), read until the end offsets seen at the start.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadAll(string topic, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = "reliability-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        var meta = admin.GetMetadata(topic, TimeSpan.FromSeconds(20)).Topics.Single();
        var ends = new Dictionary<int, long>();
        foreach (var p in meta.Partitions)
        {
            var wm = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(20));
            if (wm.High.Value > wm.Low.Value) ends[p.PartitionId] = wm.High.Value;
        }
        var result = new List<ConsumeResult<byte[]?, byte[]?>>();
        if (ends.Count == 0) return result;
        consumer.Assign(ends.Keys.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + timeout;
        while (ends.Count > 0 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (r is null) continue;
            result.Add(r);
            if (r.Offset.Value + 1 >= ends.GetValueOrDefault(r.Partition.Value, long.MaxValue)) ends.Remove(r.Partition.Value);
        }
        Assert.True(ends.Count == 0, $"could not read {topic} to its end within {timeout}");
        return result;
    }

    /// <summary>
    /// The consumer group that commits a topic's offsets: each sub-topology has its own group, <c>{app}</c> for the
    /// source (decoding) and <c>{app}-sub1</c> for the repartition topic (assembly).
    /// </summary>
    public string GroupOf(string topic) => topic.EndsWith("-repartition", StringComparison.Ordinal) ? ApplicationId + "-sub1" : ApplicationId;

    /// <summary>Sum over partitions of (end offset − offset committed by the job's group for it) of a topic the job consumes.</summary>
    public long UncommittedRecords(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Bootstrap, GroupId = GroupOf(topic) }).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)).ToList();
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(20)).ToDictionary(c => c.Partition.Value, c => Math.Max(0, c.Offset.Value));
        long total = 0;
        foreach (var tp in partitions)
            total += consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(20)).High.Value - committed.GetValueOrDefault(tp.Partition.Value);
        return total;
    }

    /// <summary>Sum over partitions of the offsets the job's group has committed for a topic (0 where none).</summary>
    public long CommittedOffsetSum(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Bootstrap, GroupId = GroupOf(topic) }).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)).ToList();
        long total = 0;
        foreach (var c in consumer.Committed(partitions, TimeSpan.FromSeconds(20))) total += Math.Max(0, c.Offset.Value);
        return total;
    }

    public void Dispose() => Cluster.Dispose();
}

/// <summary>The figures each scenario reports: to the test output and to one NDJSON file that RELIABILITY.md is written from.</summary>
public static class ReliabilityFigures
{
    public static string FilePath => Path.Combine(Path.GetTempPath(), "streamanalytics-reliability-figures.ndjson");

    public static void Report(ITestOutputHelper output, string scenario, IReadOnlyDictionary<string, object> figures)
    {
        var line = new Dictionary<string, object>(figures) { ["scenario"] = scenario, ["at"] = DateTime.UtcNow.ToString("O") };
        string json = JsonSerializer.Serialize(line);
        output.WriteLine(json);
        lock (typeof(ReliabilityFigures)) File.AppendAllText(FilePath, json + "\n");
    }

    public static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):F0} MiB";
}
