using System.Text;
using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Internals;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams;

/// <summary>
/// A graph of sources, processors and sinks plus the state stores connected to processors: what a
/// <see cref="IKafkaStreams"/> instance runs (Kafka Streams' Processor API <c>Topology</c>).
/// </summary>
/// <remarks>
/// <para>Build it on one thread, then hand it to <see cref="KafkaStreamsBuilder"/> or the <c>TopologyTestDriver</c>; do not
/// change it afterwards. Every Add method validates at once and throws <see cref="TopologyException"/> naming the node:
/// duplicate names, unknown parents, a sink used as a parent, a child whose input types differ from its parent's output
/// types, a topic read by two sources.</para>
/// <para>The nodes split into sub-topologies (connected by parent links or a shared store); each runs as one task per
/// input partition, <c>TaskId(subtopology, partition)</c>. A repartition (<see cref="AddRepartition{TKey,TValue}"/>)
/// writes to the internal topic <c>{application.id}-{name}-repartition</c> and reads it back in a new sub-topology, so
/// records are regrouped by their new key across instances. A sub-topology with state stores must read exactly one
/// topic: the consumer group's cooperative-sticky assignor does not co-partition topics, so partition <c>p</c> of two
/// topics may land on different instances. Repartition first when a stateful step needs several inputs.</para>
/// </remarks>
public sealed class Topology
{
    private readonly List<NodeFactory> _nodes = new();
    private readonly Dictionary<string, NodeFactory> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoreFactory> _stores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sourceByTopic = new(StringComparer.Ordinal);
    private readonly List<RepartitionTopicDefinition> _repartitions = new();
    private IReadOnlyList<SubtopologyDefinition>? _subtopologies;

    /// <summary>A source reading raw bytes: key and value are <c>byte[]?</c> (null for a null key or a tombstone).</summary>
    public Topology AddSource(string name, params string[] topics) =>
        AddSource<byte[]?, byte[]?>(name, NullableBytes.Deserializer, NullableBytes.Deserializer, topics);

    /// <summary>
    /// A source reading <paramref name="topics"/> and deserializing each record. A deserializer that throws does not
    /// fail the task: the record goes to the <c>IDeserializationExceptionHandler</c> (default: dead-letter topic).
    /// </summary>
    public Topology AddSource<TKey, TValue>(string name, IDeserializer<TKey> keyDeserializer, IDeserializer<TValue> valueDeserializer, params string[] topics)
    {
        ArgumentNullException.ThrowIfNull(keyDeserializer);
        ArgumentNullException.ThrowIfNull(valueDeserializer);
        if (topics is null || topics.Length == 0) throw new TopologyException($"source '{name}' needs at least one topic");
        var names = new TopicName[topics.Length];
        for (int i = 0; i < topics.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(topics[i])) throw new TopologyException($"source '{name}' has an empty topic name");
            names[i] = new TopicName(topics[i], IsInternal: false);
        }
        return AddSourceCore(new SourceNodeFactory<TKey, TValue>(CheckNewName(name), names, keyDeserializer, valueDeserializer, _nodes.Count));
    }

    /// <summary>
    /// A processor receiving every record its parents forward. <paramref name="supplier"/> is called once per task
    /// (on the stream thread that creates the task) and must return a new instance each time.
    /// </summary>
    public Topology AddProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>(
        string name, Func<IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>> supplier, params string[] parentNames)
    {
        ArgumentNullException.ThrowIfNull(supplier);
        var node = new ProcessorNodeFactory<TKeyIn, TValueIn, TKeyOut, TValueOut>(CheckNewName(name), supplier, CheckParents(name, parentNames), _nodes.Count);
        CheckTypes(node);
        return AddNode(node);
    }

    /// <summary>
    /// A sink writing every record its parents forward to <paramref name="topic"/>, placed by the producer's
    /// partitioner (murmur2 of the key bytes, as the Java client's default partitioner and Kafka Streams place keys).
    /// </summary>
    public Topology AddSink<TKey, TValue>(string name, string topic, ISerializer<TKey> keySerializer, ISerializer<TValue> valueSerializer, params string[] parentNames)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(keySerializer);
        ArgumentNullException.ThrowIfNull(valueSerializer);
        var node = new SinkNodeFactory<TKey, TValue>(CheckNewName(name), new TopicName(topic, false), keySerializer, valueSerializer,
            CheckParents(name, parentNames), _nodes.Count);
        CheckTypes(node);
        return AddNode(node);
    }

    /// <summary>
    /// Regroups records by key across instances: adds a sink <c>{name}-sink</c> to the internal topic
    /// <c>{application.id}-{name}-repartition</c> and a source named <paramref name="name"/> reading it back, in a new
    /// sub-topology. Add the downstream processors with <paramref name="name"/> as their parent.
    /// </summary>
    /// <param name="name">Name of the source node that reads the repartition topic; also names the topic.</param>
    /// <param name="keySerde">Serializes keys into the topic and back.</param>
    /// <param name="valueSerde">Serializes values into the topic and back.</param>
    /// <param name="parentNames">Nodes whose records are repartitioned.</param>
    /// <param name="partitions">Partitions of the repartition topic; null = as many as the input topics of the sub-topology that writes it.</param>
    /// <remarks>The runtime creates the topic through its <c>ITopicAdmin</c> when it starts (retention: <c>cleanup.policy=delete</c>, 7 days).</remarks>
    public Topology AddRepartition<TKey, TValue>(
        string name, Serde<TKey> keySerde, Serde<TValue> valueSerde, IReadOnlyList<string> parentNames,
        int? partitions = null)
    {
        ArgumentNullException.ThrowIfNull(keySerde);
        ArgumentNullException.ThrowIfNull(valueSerde);
        if (partitions is <= 0) throw new TopologyException($"repartition '{name}': partitions must be positive, got {partitions}");
        CheckNewName(name);
        var topic = new TopicName($"{name}-repartition", IsInternal: true);
        string sinkName = CheckNewName($"{name}-sink");
        var sink = new SinkNodeFactory<TKey, TValue>(sinkName, topic, keySerde.Serializer, valueSerde.Serializer,
            CheckParents(sinkName, parentNames.ToArray()), _nodes.Count);
        CheckTypes(sink);
        AddNode(sink);
        AddSourceCore(new SourceNodeFactory<TKey, TValue>(name, [topic], keySerde.Deserializer, valueSerde.Deserializer, _nodes.Count));
        _repartitions.Add(new RepartitionTopicDefinition(topic, partitions));
        return this;
    }

    /// <summary>
    /// Adds a store and connects it to processors. <paramref name="supplier"/> is called once here (to learn the
    /// store's name, whether it logs, and its <see cref="IChangelogTopicConfig"/>; that instance is discarded) and then
    /// once per task. Each call must return a new, uninitialised store.
    /// </summary>
    public Topology AddStateStore(Func<IStateStore> supplier, params string[] processorNames)
    {
        ArgumentNullException.ThrowIfNull(supplier);
        var probe = supplier() ?? throw new TopologyException("a store supplier returned null");
        var config = probe is IChangelogTopicConfig c ? c.ChangelogTopicConfig : new Dictionary<string, string> { ["cleanup.policy"] = "compact" };
        return AddStoreCore(new StoreFactory(probe.Name, probe.LoggingEnabled, config, supplier), processorNames);
    }

    /// <summary>Connects already added stores to a processor.</summary>
    public Topology ConnectProcessorAndStateStores(string processorName, params string[] storeNames)
    {
        if (!_byName.TryGetValue(processorName, out var node) || node.Kind != NodeKind.Processor)
            throw new TopologyException($"'{processorName}' is not a processor of this topology");
        foreach (var store in storeNames)
        {
            if (!_stores.ContainsKey(store)) throw new TopologyException($"store '{store}' has not been added");
            node.StoreNames.Add(store);
        }
        _subtopologies = null;
        CheckStatefulSubtopologies();
        return this;
    }

    /// <summary>A text description in Kafka Streams' format: sub-topologies, nodes, topics, stores, edges.</summary>
    public string Describe()
    {
        var sb = new StringBuilder("Topologies:\n");
        foreach (var sub in Subtopologies)
        {
            sb.Append("   Sub-topology: ").Append(sub.Id).Append('\n');
            foreach (var node in sub.Nodes)
            {
                sb.Append("    ");
                switch (node)
                {
                    case ISourceNodeFactory src:
                        sb.Append("Source: ").Append(node.Name).Append(" (topics: [").AppendJoin(", ", src.Topics).Append("])");
                        break;
                    case ISinkNodeFactory sink:
                        sb.Append("Sink: ").Append(node.Name).Append(" (topic: ").Append(sink.Topic).Append(')');
                        break;
                    default:
                        sb.Append("Processor: ").Append(node.Name).Append(" (stores: [").AppendJoin(", ", node.StoreNames.Order(StringComparer.Ordinal)).Append("])");
                        break;
                }
                sb.Append('\n');
                var children = _nodes.Where(n => n.Parents.Contains(node.Name)).Select(n => n.Name).ToList();
                if (children.Count > 0) sb.Append("      --> ").AppendJoin(", ", children).Append('\n');
                if (node.Parents.Length > 0) sb.Append("      <-- ").AppendJoin(", ", node.Parents).Append('\n');
            }
            foreach (var store in sub.Stores)
            {
                sb.Append("    Store: ").Append(store.Name)
                    .Append(store.LoggingEnabled ? " (changelog: ${application.id}-" + store.Name + "-changelog)" : " (logging disabled)").Append('\n');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public override string ToString() => Describe();

    internal IReadOnlyList<RepartitionTopicDefinition> Repartitions => _repartitions;

    internal IReadOnlyList<SubtopologyDefinition> Subtopologies => _subtopologies ??= BuildSubtopologies();

    private IReadOnlyList<SubtopologyDefinition> BuildSubtopologies()
    {
        // Union-find over nodes: a parent link or a shared store puts two nodes in the same sub-topology.
        var parent = new int[_nodes.Count];
        for (int i = 0; i < parent.Length; i++) parent[i] = i;
        int Find(int i)
        {
            while (parent[i] != i) i = parent[i] = parent[parent[i]];
            return i;
        }
        void Union(int a, int b)
        {
            int ra = Find(a), rb = Find(b);
            if (ra != rb) parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
        var firstUserOfStore = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in _nodes)
        {
            foreach (var p in node.Parents) Union(node.Index, _byName[p].Index);
            foreach (var s in node.StoreNames)
            {
                if (firstUserOfStore.TryGetValue(s, out int other)) Union(node.Index, other);
                else firstUserOfStore[s] = node.Index;
            }
        }
        var result = new List<SubtopologyDefinition>();
        foreach (var group in _nodes.GroupBy(n => Find(n.Index)).OrderBy(g => g.Key))
        {
            var nodes = group.OrderBy(n => n.Index).ToList();
            var topics = nodes.OfType<ISourceNodeFactory>().SelectMany(s => s.Topics).ToList();
            var stores = nodes.SelectMany(n => n.StoreNames).Distinct(StringComparer.Ordinal).Select(s => _stores[s]).ToList();
            result.Add(new SubtopologyDefinition(result.Count, nodes, topics, stores));
        }
        return result;
    }

    private Topology AddSourceCore(NodeFactory node)
    {
        foreach (var t in ((ISourceNodeFactory)node).Topics)
        {
            if (_sourceByTopic.TryGetValue(t.ToString(), out var other))
                throw new TopologyException($"topic '{t}' is already read by source '{other}'; source '{node.Name}' cannot read it too");
        }
        foreach (var t in ((ISourceNodeFactory)node).Topics) _sourceByTopic[t.ToString()] = node.Name;
        return AddNode(node);
    }

    private Topology AddNode(NodeFactory node)
    {
        _nodes.Add(node);
        _byName[node.Name] = node;
        _subtopologies = null;
        CheckStatefulSubtopologies();
        return this;
    }

    private Topology AddStoreCore(StoreFactory store, string[] processorNames)
    {
        if (string.IsNullOrWhiteSpace(store.Name)) throw new TopologyException("a store has no name");
        if (_stores.ContainsKey(store.Name)) throw new TopologyException($"store '{store.Name}' is already added");
        _stores[store.Name] = store;
        foreach (var p in processorNames ?? []) ConnectProcessorAndStateStores(p, store.Name);
        return this;
    }

    private void CheckStatefulSubtopologies()
    {
        foreach (var sub in Subtopologies)
        {
            if (sub.Stores.Count > 0 && sub.SourceTopics.Count > 1)
                throw new TopologyException(
                    $"sub-topology {sub.Id} has stores [{string.Join(", ", sub.Stores.Select(s => s.Name))}] and reads {sub.SourceTopics.Count} topics " +
                    $"[{string.Join(", ", sub.SourceTopics)}]; a stateful sub-topology must read one topic (add a repartition to merge inputs)");
        }
    }

    private string CheckNewName(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new TopologyException("node names cannot be empty");
        if (_byName.ContainsKey(name)) throw new TopologyException($"a node named '{name}' already exists");
        return name;
    }

    private string[] CheckParents(string child, string[] parentNames)
    {
        if (parentNames is null || parentNames.Length == 0) throw new TopologyException($"node '{child}' needs at least one parent");
        foreach (var p in parentNames)
        {
            if (!_byName.TryGetValue(p, out var parent)) throw new TopologyException($"parent '{p}' of node '{child}' does not exist (add parents first)");
            if (parent.Kind == NodeKind.Sink) throw new TopologyException($"sink '{p}' cannot be the parent of '{child}'");
        }
        return parentNames.ToArray();
    }

    private void CheckTypes(NodeFactory node)
    {
        var input = node.InputTypes!.Value;
        foreach (var p in node.Parents)
        {
            var output = _byName[p].OutputTypes!.Value;
            if (output != input)
                throw new TopologyException(
                    $"node '{p}' forwards Record<{output.Key.Name}, {output.Value.Name}> but its child '{node.Name}' takes Record<{input.Key.Name}, {input.Value.Name}>");
        }
    }

    /// <summary>byte[] pass-through that keeps null as null (Confluent's ByteArray deserializer does too, typed non-null).</summary>
    private sealed class NullableBytes : IDeserializer<byte[]?>
    {
        public static readonly NullableBytes Deserializer = new();

        public byte[]? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? null : data.ToArray();
    }
}
