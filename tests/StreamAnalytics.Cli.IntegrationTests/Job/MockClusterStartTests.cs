using Microsoft.Extensions.Logging.Abstractions;
using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Streams.Testing.Embedded;

namespace StreamAnalytics.Cli.IntegrationTests.Job;

/// <summary>
/// The job against a mock cluster in the way `kafka-mock` serves one (reached by its bootstrap address, not handed
/// over in-process): it recognises the mock by its cluster id, picks a short session timeout, and refuses to start,
/// naming the missing topics and the fix, when the mock lacks the job's topics.
/// </summary>
public class MockClusterStartTests
{
    private static TraceJobSettings Settings(string bootstrap, string appId, params (string Key, string Value)[] extra)
    {
        var pairs = new Dictionary<string, string>
        {
            ["application.id"] = appId,
            ["kafka.bootstrap.servers"] = bootstrap,
            ["source.topics"] = "spans",
            ["source.format"] = "otlp_proto",
            ["metrics.bind"] = "127.0.0.1:0",
        };
        foreach (var (key, value) in extra) pairs[key] = value;
        return TraceJobSettings.From(JobConfiguration.FromPairs(pairs));
    }

    [Fact]
    public async Task A_mock_without_the_jobs_topics_is_refused_at_once_naming_them_and_the_kafka_mock_command()
    {
        using var cluster = EmbeddedKafkaCluster.Start(defaultPartitions: 2);
        cluster.CreateTopic("spans", 2);
        await using var host = new TraceJobHost(Settings(cluster.BootstrapServers, "missing-topics"), NullLoggerFactory.Instance);

        var e = await Assert.ThrowsAsync<JobStartException>(() => host.StartAsync(CancellationToken.None));

        Assert.Contains("missing-topics-spans-by-trace-repartition", e.Message);
        Assert.Contains("missing-topics-dlq", e.Message);
        Assert.DoesNotContain("spans,", e.Message.Split(": ")[1]); // the source topic exists, so it is not listed
        Assert.Contains("streamanalytics kafka-mock --topic spans:8 --app missing-topics", e.Message);
    }

    [Fact]
    public async Task On_a_mock_with_its_topics_the_job_starts_with_a_short_session_timeout_unless_one_is_set()
    {
        using var cluster = EmbeddedKafkaCluster.Start(defaultPartitions: 2);
        cluster.CreateTopic("spans", 2);
        foreach (string app in new[] { "short-session", "own-session" })
            foreach (var (name, partitions) in KafkaMockCommand.InternalTopics(app, 2)) cluster.CreateTopic(name, partitions);

        var chosen = Settings(cluster.BootstrapServers, "short-session");
        await using (var host = new TraceJobHost(chosen, NullLoggerFactory.Instance))
        {
            await host.StartAsync(CancellationToken.None);
            await host.StopAsync();
        }
        Assert.Equal(MockClusterCheck.ShortSessionTimeoutMs, chosen.Streams["consumer.session.timeout.ms"]);
        Assert.Equal(MockClusterCheck.ShortHeartbeatIntervalMs, chosen.Streams["consumer.heartbeat.interval.ms"]);

        var own = Settings(cluster.BootstrapServers, "own-session", ("kafka.consumer.session.timeout.ms", "20000"));
        await using (var host = new TraceJobHost(own, NullLoggerFactory.Instance))
        {
            await host.StartAsync(CancellationToken.None);
            await host.StopAsync();
        }
        Assert.Equal("20000", own.Streams["consumer.session.timeout.ms"]);
    }
}
