using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Testcontainers.Kafka;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>
/// The real Kafka broker of this test run, chosen once per process: <c>KAFKA_BOOTSTRAP</c> if set; else, when a Docker
/// daemon answers (<see cref="DockerDaemon"/>), one broker Testcontainers starts from <see cref="Image"/> (KRaft, no
/// ZooKeeper) and removes when the process exits; else none, and the tests run on the embedded cluster.
/// </summary>
/// <remarks>
/// One container serves the whole run: fixtures share it and keep apart by unique topic, group and application ids.
/// It is started the first time anyone asks, which may be during test discovery (<see cref="RealKafkaFactAttribute"/>).
/// A container that fails to start is reported in <see cref="Description"/> and the run falls back to the embedded
/// cluster, so a machine with Docker but without the image or network still runs every other test.
/// </remarks>
internal static class RealKafka
{
    /// <summary>The broker image: Apache's own, which Testcontainers.Kafka runs in KRaft mode.</summary>
    public const string Image = "apache/kafka:3.9.1";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<Choice> Chosen = new(() => Choose(
        Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP"),
        () => (DockerDaemon.Answers(out string reason), reason),
        StartContainer));

    /// <summary>Bootstrap servers of the real broker, or null when there is none.</summary>
    public static string? BootstrapServers => Chosen.Value.BootstrapServers;

    /// <summary>Where the broker came from, or why there is none (for skip messages).</summary>
    public static string Description => Chosen.Value.Description;

    /// <summary>The choice itself, with its inputs passed in (tests give their own).</summary>
    internal static Choice Choose(string? kafkaBootstrap, Func<(bool Answers, string Reason)> dockerDaemon, Func<string> startContainer)
    {
        if (!string.IsNullOrWhiteSpace(kafkaBootstrap)) return new Choice(kafkaBootstrap, $"KAFKA_BOOTSTRAP={kafkaBootstrap}");
        var (answers, reason) = dockerDaemon();
        if (!answers) return new Choice(null, $"KAFKA_BOOTSTRAP is not set and no Docker daemon answers ({reason})");
        try
        {
            string bootstrap = startContainer();
            return new Choice(bootstrap, $"Testcontainers {Image} at {bootstrap}");
        }
        catch (Exception e)
        {
            return new Choice(null, $"a Docker daemon answers but {Image} did not start: {e.GetBaseException().Message}");
        }
    }

    // Kept out of Choose so that Testcontainers' types load only when Docker answers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string StartContainer()
    {
        var container = new KafkaBuilder(Image).WithLogger(NullLogger.Instance).Build();
        using (var cts = new CancellationTokenSource(StartTimeout))
            container.StartAsync(cts.Token).GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
        // GetBootstrapAddress is a URI (plaintext://host:port/); librdkafka wants host:port.
        var uri = new Uri(container.GetBootstrapAddress());
        return $"{uri.Host}:{uri.Port}";
    }

    internal sealed record Choice(string? BootstrapServers, string Description);
}
