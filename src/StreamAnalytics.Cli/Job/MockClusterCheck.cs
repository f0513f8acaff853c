using Confluent.Kafka;
using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Testing.Embedded;

namespace StreamAnalytics.Cli.Job;

/// <summary>
/// What the job adapts when its brokers are librdkafka's mock cluster (the embedded cluster of <c>demo</c> and
/// <c>kafka-mock</c>), recognised by its cluster id, which starts with <see cref="ClusterIdPrefix"/>:
/// <list type="bullet">
/// <item>a short session timeout: the mock broker holds a rejoin for <c>session.timeout.ms</c> − 1 s after the last
/// member left (44 s with librdkafka's default), so a restarted or added instance would wait that long;</item>
/// <item>its topics must exist: the mock has no CreateTopics API, so a missing internal topic would only end in a
/// timeout; the job instead names the missing topics and the <c>kafka-mock --app</c> that creates them.</item>
/// </list>
/// </summary>
internal static class MockClusterCheck
{
    /// <summary>How librdkafka's mock cluster ids begin (rdkafka_mock.c names them <c>mockCluster…</c>).</summary>
    public const string ClusterIdPrefix = EmbeddedKafkaCluster.MockClusterIdPrefix;

    /// <summary>The session timeout used on a mock cluster; the mock then holds a rejoin for 2 s.</summary>
    public const string ShortSessionTimeoutMs = "3000";

    /// <summary>Heartbeats well inside the short session.</summary>
    public const string ShortHeartbeatIntervalMs = "500";

    private const string SessionKey = StreamsConfig.ConsumerPrefix + "session.timeout.ms";
    private const string HeartbeatKey = StreamsConfig.ConsumerPrefix + "heartbeat.interval.ms";

    /// <summary>
    /// True when the brokers report a mock's cluster id; false when another id, or no answer within
    /// <paramref name="timeout"/> (then the broker probe and the stream threads report the outage).
    /// </summary>
    public static bool IsMock(string bootstrap, TimeSpan timeout, IEnumerable<KeyValuePair<string, string>> clientSettings)
    {
        try
        {
            return EmbeddedKafkaCluster.ClusterIdOf(bootstrap, timeout, clientSettings)?.StartsWith(ClusterIdPrefix, StringComparison.Ordinal) == true;
        }
        catch (InvalidOperationException)
        {
            return false; // a setting the native client refuses is reported by the real clients with its key
        }
    }

    /// <summary>
    /// Sets the short session timeout (and heartbeat) unless the user set one; returns what it set, for the log, or
    /// null when the user's value stands.
    /// </summary>
    public static string? UseShortSessionTimeout(StreamsConfig streams)
    {
        if (streams[SessionKey] is not null) return null;
        streams[SessionKey] = ShortSessionTimeoutMs;
        streams[HeartbeatKey] ??= ShortHeartbeatIntervalMs;
        return $"session.timeout.ms={ShortSessionTimeoutMs}, heartbeat.interval.ms={streams[HeartbeatKey]}";
    }

    /// <summary>The topics of <paramref name="settings"/>'s job that the cluster lacks (source and internal topics).</summary>
    public static List<string> MissingTopics(IAdminClient admin, TraceJobSettings settings, TimeSpan timeout)
    {
        var metadata = admin.GetMetadata(timeout);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in metadata.Topics)
            if (topic.Error.Code == ErrorCode.NoError) existing.Add(topic.Topic);
        var missing = new List<string>();
        foreach (string topic in settings.SourceTopics)
            if (!existing.Contains(topic)) missing.Add(topic);
        foreach (var (name, _) in KafkaMockCommand.InternalTopics(settings.ApplicationId, 1))
            if (!existing.Contains(name) && NeededBy(settings, name)) missing.Add(name);
        return missing;
    }

    /// <summary>The error for missing topics on a mock cluster: which, and the command that creates them.</summary>
    public static string MissingTopicsMessage(string bootstrap, TraceJobSettings settings, IReadOnlyList<string> missing)
    {
        string sources = string.Join(" ", settings.SourceTopics.Select(t => $"--topic {t}:8"));
        return $"the Kafka cluster at {bootstrap} is librdkafka's mock cluster, which cannot create topics, and it lacks " +
            $"{missing.Count} topic(s) of job '{settings.ApplicationId}': {string.Join(", ", missing)}. " +
            $"Start it with this job's topics: streamanalytics kafka-mock {sources} --app {settings.ApplicationId}";
    }

    // The features topic exists only when the job writes one (output.features.topic=none turns it off).
    private static bool NeededBy(TraceJobSettings settings, string topic) =>
        !topic.EndsWith("-trace-features", StringComparison.Ordinal) || settings.FeaturesTopic == topic;
}
