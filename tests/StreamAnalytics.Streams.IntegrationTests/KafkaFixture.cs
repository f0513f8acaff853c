using StreamAnalytics.Streams.Testing.Embedded;


namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>
/// The broker for integration tests: the run's real Kafka (<see cref="RealKafka"/>: <c>KAFKA_BOOTSTRAP</c>, else a
/// Testcontainers broker when a Docker daemon answers), otherwise an embedded cluster started for this test and
/// stopped with it. Topic names get a unique suffix so tests never share data.
/// </summary>
public sealed class KafkaFixture : IDisposable
{
    private readonly EmbeddedKafkaCluster? _embedded;

    public KafkaFixture(int brokers = 1)
    {
        if (RealKafka.BootstrapServers is { } external)
        {
            BootstrapServers = external;
        }
        else
        {
            _embedded = EmbeddedKafkaCluster.Start(brokers);
            BootstrapServers = _embedded.BootstrapServers;
        }
    }

    public string BootstrapServers { get; }

    /// <summary>The embedded cluster, or null when the tests run against a real Kafka.</summary>
    public EmbeddedKafkaCluster? Embedded => _embedded;

    public bool IsRealKafka => _embedded is null;

    /// <summary>How a KafkaStreams instance should create internal topics here: null (AdminClient) on real Kafka, the embedded admin otherwise.</summary>
    public ITopicAdmin? TopicAdmin => _embedded is null ? null : new EmbeddedTopicAdmin(_embedded);

    /// <summary>
    /// Creates a uniquely named topic with the given partitions and returns its name. <paramref name="configs"/> apply on
    /// real Kafka only (the embedded brokers keep no topic configs).
    /// </summary>
    public string CreateTopic(string prefix, int partitions, IReadOnlyDictionary<string, string>? configs = null)
    {
        string name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 200)];
        if (_embedded is not null)
        {
            _embedded.CreateTopic(name, partitions);
        }
        else
        {
            using var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
            admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1,
                Configs = configs?.ToDictionary(kv => kv.Key, kv => kv.Value) }])
                .GetAwaiter().GetResult();
        }
        return name;
    }

    public void Dispose() => _embedded?.Dispose();
}
