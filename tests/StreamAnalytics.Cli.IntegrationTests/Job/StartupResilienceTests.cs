using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Streams.Testing.Embedded;
using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Cli.IntegrationTests.Job;

/// <summary>Start-up that an operator can live with: a sink that is down does not stop it, and a signal stops it at once.</summary>
public class StartupResilienceTests
{
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port; // closed again when disposed
    }

    [Fact]
    public async Task With_elasticsearch_unreachable_the_job_starts_and_readyz_says_why_it_is_not_ready()
    {
        using var cluster = EmbeddedKafkaCluster.Start(defaultPartitions: 2);
        cluster.CreateTopic("spans", 2);
        var settings = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["application.id"] = "es-down-at-start",
            ["kafka.bootstrap.servers"] = "placeholder:9092",
            ["source.topics"] = "spans",
            ["source.format"] = "otlp_proto",
            ["metrics.bind"] = "127.0.0.1:0",
            ["elasticsearch.urls"] = $"http://127.0.0.1:{ClosedPort()}",
            ["elasticsearch.max.retries"] = "1",
            ["elasticsearch.backoff.base.ms"] = "10",
        }));
        await using var host = new TraceJobHost(settings, NullLoggerFactory.Instance);

        await host.StartAsync(CancellationToken.None, cluster); // returns: no exception for the sink being down

        using var http = new HttpClient { BaseAddress = host.MetricsServer!.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string body = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync("readyz");
            body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && body.Contains("elasticsearch", StringComparison.Ordinal)
                && !body.Contains("kafka", StringComparison.Ordinal)) break; // Kafka ready, Elasticsearch the only reason
            await Task.Delay(200);
        }
        Assert.Contains("elasticsearch", body);
        Assert.DoesNotContain("elasticsearch: elasticsearch", body); // the server names the check once; the reason does not repeat it
        Assert.DoesNotContain("kafka", body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_signal_during_start_up_stops_run_promptly_with_a_line_saying_so()
    {
        // No broker answers here: start-up waits (mock detection, internal topic creation) until the signal comes.
        using var run = CliProcess.Start(["run", "--job", RepositoryFiles.Find("jobs/span-count.json"),
            "--set", $"kafka.bootstrap.servers=127.0.0.1:{ClosedPort()}", "--set", "metrics.bind=127.0.0.1:0", "--set", "elasticsearch.urls="]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!run.Stdout.Contains("starting job", StringComparison.Ordinal) && !run.HasExited && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.False(run.HasExited, run.Stdout + run.Stderr);

        run.Terminate();
        int exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(10)); // internal topic creation alone would wait 30 s

        Assert.Equal(130, exit);
        Assert.Contains("interrupted during start-up", run.Stdout + run.Stderr);
    }
}
