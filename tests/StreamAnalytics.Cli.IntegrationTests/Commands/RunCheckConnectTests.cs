using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Streams.Testing.Embedded;

namespace StreamAnalytics.Cli.IntegrationTests.Commands;

public class RunCheckConnectTests
{
    [Fact]
    public async Task Connect_reports_the_brokers_that_answer_and_each_missing_source_topic()
    {
        using var cluster = EmbeddedKafkaCluster.Start(defaultPartitions: 3);
        cluster.CreateTopic("spans", 3);
        var settings = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["application.id"] = "check-connect",
            ["kafka.bootstrap.servers"] = cluster.BootstrapServers,
            ["source.topics"] = "spans,zipkin-spans",
            ["source.format"] = "otlp_proto",
        }));
        using var output = new StringWriter();

        var problems = await RunCheck.ConnectAsync(settings, output, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Contains($"kafka: brokers at {cluster.BootstrapServers} answer", output.ToString());
        Assert.Contains("kafka: source topic 'spans' has 3 partitions", output.ToString());
        var problem = Assert.Single(problems);
        Assert.Contains("source topic 'zipkin-spans' does not exist", problem);
    }
}
