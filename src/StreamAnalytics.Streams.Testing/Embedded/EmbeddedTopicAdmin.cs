using Confluent.Kafka;
using StreamAnalytics.Streams.Internals;

namespace StreamAnalytics.Streams.Testing.Embedded;

/// <summary>
/// <see cref="ITopicAdmin"/> for the embedded cluster, whose brokers do not implement CreateTopics: topics are created
/// with <see cref="EmbeddedKafkaCluster.CreateTopic"/>, and topic configs (cleanup policy, retention) are ignored because
/// the mock brokers neither compact nor expire. Partition counts come from ordinary metadata requests.
/// </summary>
public sealed class EmbeddedTopicAdmin : ITopicAdmin
{
    private readonly EmbeddedKafkaCluster _cluster;

    public EmbeddedTopicAdmin(EmbeddedKafkaCluster cluster) => _cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));

    public int? GetPartitionCount(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        return KafkaTopicAdmin.PartitionCount(admin, topic, TimeSpan.FromSeconds(10));
    }

    public void CreateTopics(IReadOnlyList<InternalTopicSpec> topics)
    {
        foreach (var t in topics)
        {
            if (GetPartitionCount(t.Name) is null) _cluster.CreateTopic(t.Name, t.Partitions, Math.Max((int)t.ReplicationFactor, 1));
        }
    }
}
