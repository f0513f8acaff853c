using System.Net;
using System.Net.Sockets;
using StreamAnalytics.TestSupport;
using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Issue 8: invalid configuration fails fast (exit 2, before any Kafka connection) naming the key; secrets never reach
/// the logs or /metrics; the metrics endpoint binds where configured.
/// </summary>
public sealed class ConfigurationSafetyTests(ITestOutputHelper output)
{
    // 127.0.0.1:1 refuses connections: a run that tried Kafka would log connection errors or hang, not exit 2 at once.
    private const string NoKafka = "kafka.bootstrap.servers=127.0.0.1:1";

    [Theory]
    [InlineData("assembly.gap.ms=-5", "assembly.gap.ms")]
    [InlineData("assembly.max.open.bytes=12", "assembly.max.open.bytes")]
    [InlineData("processing.guarantee=maybe_once", "processing.guarantee")]
    [InlineData("source.format=avro", "source.format")]
    [InlineData("metrics.bind=localhost", "metrics.bind")]
    [InlineData("assembly.gap.msec=100", "assembly.gap.msec")]
    [InlineData("commit.interval.ms=soon", "commit.interval.ms")]
    [InlineData("elasticsearch.max.buffered.bytes=2048", "elasticsearch.max.buffered.bytes")]
    public async Task An_invalid_value_fails_fast_with_exit_code_2_and_names_the_key(string setting, string key)
    {
        var sets = new List<string> { "run", "--set", NoKafka, "--set", setting };
        if (key.StartsWith("elasticsearch.", StringComparison.Ordinal)) sets.AddRange(["--set", "elasticsearch.urls=http://127.0.0.1:1"]);
        var (code, stdout, stderr) = await CliProcess.RunAsync(sets, TimeSpan.FromSeconds(60));
        output.WriteLine(stderr);
        Assert.Equal(2, code);
        Assert.Contains(key, stderr);
        Assert.DoesNotContain("starting job", stdout);
    }

    [Fact]
    public async Task A_missing_bootstrap_server_fails_fast_naming_the_key()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(["run", "--set", "source.topics=spans"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("kafka.bootstrap.servers", stderr);
    }

    [Fact]
    public async Task Secrets_never_appear_in_logs_or_metrics_and_metrics_bind_where_configured()
    {
        const string saslPassword = "sasl-Secret-4f1c9e";
        const string esPassword = "es-Secret-77a0b2";
        const string esApiKey = "apikey-Secret-0d3e55";
        using var cluster = ReliabilityCluster.Start("secrets", brokers: 1, partitions: 2);
        using var es = new FakeElasticsearch();
        int port = EngineProcess.FreePort();
        var args = new List<string> { "run" };
        foreach (string s in new[]
        {
            "application.id=secrets", $"kafka.bootstrap.servers={cluster.Bootstrap}", "source.topics=spans",
            $"metrics.bind=127.0.0.1:{port}", $"elasticsearch.urls={es.Url}", "log.level=debug",
            // SASL settings reach librdkafka; the mock brokers do not speak SASL, so the clients log errors: they must not carry the password.
            "kafka.security.protocol=sasl_plaintext", "kafka.sasl.mechanism=PLAIN", "kafka.sasl.username=engine", $"kafka.sasl.password={saslPassword}",
        })
        {
            args.Add("--set");
            args.Add(s);
        }
        var env = new Dictionary<string, string> { ["STREAMANALYTICS_ELASTICSEARCH_API_KEY"] = esApiKey };
        using var engine = CliProcess.Start(args, env);
        string? metrics = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && metrics is null)
        {
            Assert.False(engine.HasExited, engine.Stderr + engine.Stdout);
            metrics = await MetricsScraper.GetAsync(port, "/metrics");
            if (metrics is null) await Task.Delay(250);
        }
        Assert.NotNull(metrics);
        await Task.Delay(4000); // let the clients fail to authenticate and log it
        metrics = await MetricsScraper.GetAsync(port, "/metrics") ?? "";
        string readyz = (await MetricsScraper.GetStatusAsync(port, "/readyz")).Body;

        // Bound to 127.0.0.1 only: another local address of this host does not answer.
        var other = Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (other is not null)
        {
            using var probe = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(other, port).WaitAsync(TimeSpan.FromSeconds(5)));
        }

        engine.Terminate();
        await engine.WaitForExitAsync(TimeSpan.FromSeconds(60));
        string logs = engine.Stdout + engine.Stderr;
        output.WriteLine($"{logs.Length} chars of logs, {metrics.Length} of metrics; readyz: {readyz.Trim()}");
        Assert.Contains("kafka.sasl.password=***", logs); // the effective configuration is logged, masked
        foreach (string secret in new[] { saslPassword, esApiKey })
        {
            Assert.DoesNotContain(secret, logs);
            Assert.DoesNotContain(secret, metrics);
            Assert.DoesNotContain(secret, readyz);
        }

        // Basic-auth password: printed configuration (--check) and a configuration error both mask it.
        var (code, stdout, stderr) = await CliProcess.RunAsync(["run", "--check", "--set", NoKafka, "--set", $"elasticsearch.urls={es.Url}",
            "--set", "elasticsearch.username=elastic", "--set", $"elasticsearch.password={esPassword}"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, code);
        Assert.Contains("elasticsearch.password=***", stdout);
        Assert.DoesNotContain(esPassword, stdout + stderr);
        (code, stdout, stderr) = await CliProcess.RunAsync(["run", "--set", NoKafka, "--set", $"elasticsearch.urls={es.Url}",
            "--set", "elasticsearch.username=elastic", "--set", $"elasticsearch.password={esPassword}", "--set", "elasticsearch.bulk.max.docs=0"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.DoesNotContain(esPassword, stdout + stderr);
    }
}
