using System.CommandLine;
using StreamAnalytics.Streams.Testing.Embedded;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// <c>kafka-mock</c>: hosts an embedded Kafka cluster (librdkafka's mock brokers) in its own process, so several engine
/// processes (and the generator) can share one cluster in tests and demos without Docker.
/// </summary>
internal static class KafkaMockCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of brokers (ids 1..N).", DefaultValueFactory = _ => 1 };
        var topics = new Option<string[]>("--topic")
        {
            Description = "Topic to create, as NAME:PARTITIONS (repeatable). Other topics are auto-created with --default-partitions.",
            AllowMultipleArgumentsPerToken = true,
        };
        var defaultPartitions = new Option<int>("--default-partitions") { Description = "Partitions of auto-created topics.", DefaultValueFactory = _ => 4 };
        var bootstrapFile = new Option<FileInfo?>("--bootstrap-file") { Description = "Write the bootstrap servers to this file once the cluster is up (written atomically; removed when it stops)." };
        var duration = DurationOption.Create("--duration", $"Stop after this long ({DurationOption.Forms}); default: run until Ctrl-C or SIGTERM.");
        var apps = new Option<string[]>("--app")
        {
            Description = "Pre-create the internal topics of a trace job with this application.id (repeatable), with as many partitions as the "
                + "first --topic: the mock brokers have no CreateTopics API, so `run` against them needs its topics to exist.",
        };

        var command = new Command("kafka-mock", """
            Run an embedded Kafka-protocol cluster on 127.0.0.1 until interrupted.

            Examples:
              streamanalytics kafka-mock --brokers 3 --topic spans:8 --bootstrap-file /tmp/kafka.bootstrap
              streamanalytics kafka-mock --topic spans:8 --app trace-features --bootstrap-file /tmp/kafka.bootstrap
              STREAMANALYTICS_KAFKA_BOOTSTRAP_SERVERS=$(cat /tmp/kafka.bootstrap) streamanalytics run --job jobs/trace-features.json
            """)
        {
            brokers, topics, defaultPartitions, bootstrapFile, duration, apps,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var specs = new List<(string Name, int Partitions)>();
            foreach (string spec in parse.GetValue(topics) ?? [])
            {
                if (!TryParseTopicSpec(spec, out var parsed))
                {
                    await Console.Error.WriteLineAsync($"error: --topic '{spec}' is not NAME:PARTITIONS (e.g. spans:8)");
                    return 2;
                }
                specs.Add(parsed);
            }
            int brokerCount = parse.GetValue(brokers);
            if (brokerCount < 1)
            {
                await Console.Error.WriteLineAsync("error: --brokers must be at least 1");
                return 2;
            }

            using var cluster = EmbeddedKafkaCluster.Start(brokerCount, parse.GetValue(defaultPartitions));
            int appPartitions = specs.Count > 0 ? specs[0].Partitions : parse.GetValue(defaultPartitions);
            foreach (string app in parse.GetValue(apps) ?? [])
                specs.AddRange(InternalTopics(app, appPartitions));
            foreach (var (name, partitions) in specs) cluster.CreateTopic(name, partitions);

            if (parse.GetValue(bootstrapFile) is { } file)
            {
                string tmp = file.FullName + ".tmp";
                await File.WriteAllTextAsync(tmp, cluster.BootstrapServers + "\n", cancellationToken);
                File.Move(tmp, file.FullName, overwrite: true);
            }
            Console.WriteLine($"embedded Kafka cluster: {brokerCount} broker(s) at {cluster.BootstrapServers}");
            foreach (var (name, partitions) in specs) Console.WriteLine($"  topic {name} ({partitions} partitions)");
            Console.WriteLine("press Ctrl-C to stop");

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
            try
            {
                await Task.Delay(parse.GetValue(duration) ?? Timeout.InfiniteTimeSpan, stop.Token);
            }
            catch (OperationCanceledException) { }
            Console.WriteLine("stopping embedded Kafka cluster");
            // The file names a cluster that is about to vanish: left behind, it would point the next run at nothing.
            if (parse.GetValue(bootstrapFile) is { } written)
            {
                try { File.Delete(written.FullName); }
                catch (IOException e) { await Console.Error.WriteLineAsync($"warning: could not remove {written.FullName}: {e.Message}"); }
            }
            return 0;
        });
        return command;
    }

    /// <summary>The topics a trace job creates at start (see TraceTopologyFactory), for a cluster that cannot create them.</summary>
    internal static IEnumerable<(string Name, int Partitions)> InternalTopics(string applicationId, int partitions)
    {
        yield return ($"{applicationId}-{Job.TraceTopologyFactory.RepartitionName}-repartition", partitions);
        yield return ($"{applicationId}-{Features.Assembly.OpenTraceStore.DefaultName}-changelog", partitions);
        yield return ($"{applicationId}-{Features.Aggregate.WindowStore.DefaultName}-changelog", partitions);
        yield return ($"{applicationId}-trace-features", partitions);
        yield return (applicationId + Streams.Errors.DeadLetterHeaders.TopicSuffix, 1);
    }

    internal static bool TryParseTopicSpec(string spec, out (string Name, int Partitions) parsed)
    {
        parsed = default;
        int colon = spec.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(spec.AsSpan(colon + 1), out int partitions) || partitions < 1) return false;
        parsed = (spec[..colon], partitions);
        return true;
    }
}
