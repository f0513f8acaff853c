using Confluent.Kafka;

namespace StreamAnalytics.Cli.Tests.Commands;

public class KafkaMockCommandTests
{
    [Fact]
    public async Task An_out_of_process_cluster_serves_clients_and_stops_cleanly_on_SIGTERM()
    {
        string dir = Directory.CreateTempSubdirectory("kafka-mock-").FullName;
        string bootstrapFile = Path.Combine(dir, "bootstrap");
        using var mock = CliProcess.Start(["kafka-mock", "--brokers", "3", "--topic", "spans:8", "--bootstrap-file", bootstrapFile]);
        string bootstrap = await mock.WaitForFileAsync(bootstrapFile, TimeSpan.FromSeconds(60));
        Assert.Equal(3, bootstrap.Split(',').Length);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var meta = admin.GetMetadata("spans", TimeSpan.FromSeconds(20));
            Assert.Equal(8, meta.Topics.Single().Partitions.Count);
        }
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build())
        {
            var result = await producer.ProduceAsync(new TopicPartition("spans", 5), new Message<Null, string> { Value = "hello" });
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
            Assert.Equal(5, result.Partition.Value);
        }

        mock.Terminate();
        Assert.Equal(0, await mock.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("stopping embedded Kafka cluster", mock.Stdout);
    }

    [Fact]
    public async Task A_malformed_topic_spec_is_refused_with_a_message_naming_it()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(["kafka-mock", "--topic", "spans"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("--topic 'spans'", stderr);
    }
}
