namespace StreamAnalytics.Streams.IntegrationTests;

public class RealKafkaTests
{
    private static (bool, string) NoDocker() => (false, "no socket");

    private static (bool, string) Docker() => (true, "answered");

    [Fact]
    public void KAFKA_BOOTSTRAP_comes_first_and_docker_is_not_asked()
    {
        var choice = RealKafka.Choose("broker:9092", () => throw new InvalidOperationException("docker asked"),
            () => throw new InvalidOperationException("container started"));
        Assert.Equal("broker:9092", choice.BootstrapServers);
        Assert.Contains("KAFKA_BOOTSTRAP", choice.Description);
    }

    [Fact]
    public void Without_KAFKA_BOOTSTRAP_an_answering_docker_daemon_gets_a_container()
    {
        var choice = RealKafka.Choose(" ", Docker, () => "127.0.0.1:32768");
        Assert.Equal("127.0.0.1:32768", choice.BootstrapServers);
        Assert.Contains(RealKafka.Image, choice.Description);
    }

    [Fact]
    public void Without_either_there_is_no_real_broker_and_no_container_is_tried()
    {
        var choice = RealKafka.Choose(null, NoDocker, () => throw new InvalidOperationException("container started"));
        Assert.Null(choice.BootstrapServers);
        Assert.Contains("no socket", choice.Description);
    }

    [Fact]
    public void A_container_that_does_not_start_leaves_the_embedded_cluster_and_says_why()
    {
        var choice = RealKafka.Choose(null, Docker, () => throw new TimeoutException("pull of apache/kafka timed out"));
        Assert.Null(choice.BootstrapServers);
        Assert.Contains("pull of apache/kafka timed out", choice.Description);
    }
}
