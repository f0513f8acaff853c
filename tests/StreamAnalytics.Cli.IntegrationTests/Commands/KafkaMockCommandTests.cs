using Confluent.Kafka;
using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Cli.IntegrationTests.Commands;

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
        Assert.False(File.Exists(bootstrapFile), "the bootstrap file of a stopped cluster must not be left behind");
    }

    [Fact]
    public async Task A_malformed_topic_spec_is_refused_with_a_message_naming_it()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(["kafka-mock", "--topic", "spans"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("--topic 'spans'", stderr);
    }

    [Fact]
    public async Task With_app_the_mock_holds_every_topic_a_run_needs_and_the_job_processes_against_it()
    {
        string dir = Directory.CreateTempSubdirectory("kafka-mock-app-").FullName;
        string bootstrapFile = Path.Combine(dir, "bootstrap");
        using var mock = CliProcess.Start(["kafka-mock", "--topic", "spans:4", "--app", "mocked", "--bootstrap-file", bootstrapFile]);
        string bootstrap = await mock.WaitForFileAsync(bootstrapFile, TimeSpan.FromSeconds(60));

        var (code, stdout, stderr) = await CliProcess.RunAsync(["generate", "--bootstrap", bootstrap, "--topic", "spans", "--spans", "2000", "--rate", "0", "--seed", "3"], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);
        long spans = long.Parse(System.Text.RegularExpressions.Regex.Match(stdout, @"done: (\d+) spans").Groups[1].Value);

        string outDir = Path.Combine(dir, "out");
        using var run = CliProcess.Start(["run", "--set", "kafka.bootstrap.servers=" + bootstrap, "--set", "application.id=mocked",
            "--set", "file.dir=" + outDir, "--set", "file.format=plain", "--set", "metrics.bind=127.0.0.1:0", "--set", "assembly.gap.ms=1000"]);
        // Every generated span ends up in a completed trace's document.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        long seen = 0;
        while (DateTime.UtcNow < deadline && seen < spans && !run.HasExited)
        {
            await Task.Delay(500);
            string path = Path.Combine(outDir, "traces.ndjson");
            if (!File.Exists(path)) continue;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            seen = 0;
            while (reader.ReadLine() is { } line)
                if (line.Length > 0) seen += System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("spanCount").GetInt64();
        }
        run.Terminate();
        Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(seen == spans, $"{seen} of {spans} spans in traces\n{run.Stdout}\n{run.Stderr}");
        mock.Terminate();
        await mock.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }
}
