namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>
/// A fact that needs a real Kafka broker (<see cref="RealKafka"/>: <c>KAFKA_BOOTSTRAP</c>, or a Testcontainers broker
/// when a Docker daemon answers): skipped on the embedded cluster, whose brokers lack the feature under test (e.g.
/// read_committed hiding aborted records). xunit 2 has no dynamic skip, so the attribute sets
/// <see cref="FactAttribute.Skip"/> when it is constructed, which finds the broker during discovery.
/// </summary>
public sealed class RealKafkaFactAttribute : FactAttribute
{
    public RealKafkaFactAttribute(string feature)
    {
        if (RealKafka.BootstrapServers is null)
            Skip = $"needs real Kafka ({feature} is not supported by the embedded cluster): {RealKafka.Description}; set KAFKA_BOOTSTRAP or start Docker to run it";
    }
}
