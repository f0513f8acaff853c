namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// One connected part of a topology (Kafka Streams' sub-topology): nodes joined by parent links or by a shared store.
/// A repartition splits a topology: its sink ends one sub-topology and its source starts another. Each sub-topology
/// runs as one task per input partition.
/// </summary>
internal sealed class SubtopologyDefinition(int id, IReadOnlyList<NodeFactory> nodes, IReadOnlyList<TopicName> sourceTopics, IReadOnlyList<StoreFactory> stores)
{
    public int Id { get; } = id;

    /// <summary>In insertion order, so every parent precedes its children.</summary>
    public IReadOnlyList<NodeFactory> Nodes { get; } = nodes;

    public IReadOnlyList<TopicName> SourceTopics { get; } = sourceTopics;

    public IReadOnlyList<StoreFactory> Stores { get; } = stores;

    /// <summary>Topics written by this sub-topology's sinks.</summary>
    public IEnumerable<TopicName> SinkTopics
    {
        get
        {
            foreach (var n in Nodes)
            {
                if (n is ISinkNodeFactory sink) yield return sink.Topic;
            }
        }
    }
}
