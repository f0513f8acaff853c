using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// Works out and creates the internal topics of a topology when an instance starts: repartition topics (declared count,
/// or that of the sub-topology writing them), changelogs (the partition count of their sub-topology's input, so task
/// <c>s_p</c> logs to partition <c>p</c>), and the dead-letter topic (1 partition). Existing topics with a different
/// partition count are an error: the task-to-partition mapping would break.
/// </summary>
internal static class InternalTopicManager
{
    private static readonly IReadOnlyDictionary<string, string> RepartitionConfig = new Dictionary<string, string>
    {
        ["cleanup.policy"] = "delete",
        ["retention.ms"] = "604800000",
    };

    private static readonly IReadOnlyDictionary<string, string> DeadLetterConfig = new Dictionary<string, string> { ["cleanup.policy"] = "delete" };

    public static void Setup(Topology topology, StreamsConfig config, ITopicAdmin admin)
    {
        string appId = config.ApplicationId!;
        short rf = config.ReplicationFactor;
        var partitionsOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var repartitions = topology.Repartitions.ToDictionary(r => r.Topic.Resolve(appId));

        int CountOf(TopicName topic)
        {
            string name = topic.Resolve(appId);
            if (partitionsOf.TryGetValue(name, out int n)) return n;
            if (topic.IsInternal) throw new StreamsException($"internal topic '{name}' is read before the sub-topology that writes it is known");
            n = admin.GetPartitionCount(name) ?? throw new StreamsException($"source topic '{name}' does not exist; create it before starting the application");
            partitionsOf[name] = n;
            return n;
        }

        var toCreate = new List<InternalTopicSpec>();
        // Sub-topologies are numbered in insertion order, so a repartition's writer comes before its reader.
        foreach (var sub in topology.Subtopologies)
        {
            int inputPartitions = sub.SourceTopics.Max(CountOf);
            foreach (var sinkTopic in sub.SinkTopics.Where(t => t.IsInternal).Distinct())
            {
                string name = sinkTopic.Resolve(appId);
                int n = repartitions.TryGetValue(name, out var def) && def.Partitions is { } declared ? declared : inputPartitions;
                partitionsOf[name] = n;
                toCreate.Add(new InternalTopicSpec(name, n, rf, RepartitionConfig));
            }
            foreach (var store in sub.Stores.Where(s => s.LoggingEnabled))
            {
                toCreate.Add(new InternalTopicSpec(store.ChangelogTopic(appId), inputPartitions, rf, store.ChangelogConfig));
            }
        }
        toCreate.Add(new InternalTopicSpec(appId + DeadLetterHeaders.TopicSuffix, 1, rf, DeadLetterConfig));

        var missing = new List<InternalTopicSpec>();
        foreach (var spec in toCreate)
        {
            int? existing = admin.GetPartitionCount(spec.Name);
            if (existing is null) missing.Add(spec);
            else if (existing != spec.Partitions && !spec.Name.EndsWith(DeadLetterHeaders.TopicSuffix, StringComparison.Ordinal))
                throw new StreamsException($"internal topic '{spec.Name}' has {existing} partitions but the topology needs {spec.Partitions}; delete it or match the input's partition count");
        }
        admin.CreateTopics(missing);
    }

    /// <summary>
    /// Every topic sub-topology <paramref name="subtopology"/>'s threads write: its sinks (internal or not), its stores'
    /// changelogs and the dead-letter topic. Their smallest <c>max.message.bytes</c> bounds the threads' producer.
    /// </summary>
    public static IReadOnlyList<string> OutputTopics(Topology topology, int subtopology, string appId)
    {
        var sub = topology.Subtopologies[subtopology];
        var topics = new List<string>();
        foreach (var t in sub.SinkTopics) topics.Add(t.Resolve(appId));
        foreach (var store in sub.Stores)
        {
            if (store.LoggingEnabled) topics.Add(store.ChangelogTopic(appId));
        }
        topics.Add(appId + DeadLetterHeaders.TopicSuffix);
        return topics.Distinct(StringComparer.Ordinal).ToList();
    }
}
