using Confluent.Kafka;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Streams.Internals;

internal enum NodeKind { Source, Processor, Sink }

/// <summary>
/// The definition of one topology node; builds a fresh runtime node for each task. Input and output types are kept so
/// that <see cref="Topology"/> can reject a child whose input types differ from its parent's output types while the
/// topology is built, instead of failing with a cast error on the first record.
/// </summary>
internal abstract class NodeFactory(string name, string[] parents, int index)
{
    public string Name { get; } = name;

    public string[] Parents { get; } = parents;

    /// <summary>Insertion order; parents always come before their children.</summary>
    public int Index { get; } = index;

    public abstract NodeKind Kind { get; }

    public virtual (Type Key, Type Value)? InputTypes => null;

    public virtual (Type Key, Type Value)? OutputTypes => null;

    /// <summary>Stores connected to this node (processors only).</summary>
    public HashSet<string> StoreNames { get; } = new(StringComparer.Ordinal);

    public abstract ProcessorNode Build();
}

internal interface ISourceNodeFactory
{
    TopicName[] Topics { get; }
}

internal interface ISinkNodeFactory
{
    TopicName Topic { get; }
}

internal sealed class SourceNodeFactory<TKey, TValue>(string name, TopicName[] topics, IDeserializer<TKey> keyDeserializer, IDeserializer<TValue> valueDeserializer, int index)
    : NodeFactory(name, [], index), ISourceNodeFactory
{
    public TopicName[] Topics { get; } = topics;

    public override NodeKind Kind => NodeKind.Source;

    public override (Type Key, Type Value)? OutputTypes => (typeof(TKey), typeof(TValue));

    public override ProcessorNode Build() => new SourceNode<TKey, TValue>(Name, keyDeserializer, valueDeserializer);
}

internal sealed class ProcessorNodeFactory<TKeyIn, TValueIn, TKeyOut, TValueOut>(
    string name, Func<IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>> supplier, string[] parents, int index)
    : NodeFactory(name, parents, index)
{
    public override NodeKind Kind => NodeKind.Processor;

    public override (Type Key, Type Value)? InputTypes => (typeof(TKeyIn), typeof(TValueIn));

    public override (Type Key, Type Value)? OutputTypes => (typeof(TKeyOut), typeof(TValueOut));

    public override ProcessorNode Build()
    {
        var processor = supplier() ?? throw new InvalidOperationException($"the supplier of processor '{Name}' returned null");
        return new ProcessorNode<TKeyIn, TValueIn, TKeyOut, TValueOut>(Name, processor);
    }
}

internal sealed class SinkNodeFactory<TKey, TValue>(
    string name, TopicName topic, ISerializer<TKey> keySerializer, ISerializer<TValue> valueSerializer,
    string[] parents, int index)
    : NodeFactory(name, parents, index), ISinkNodeFactory
{
    public TopicName Topic { get; } = topic;

    public override NodeKind Kind => NodeKind.Sink;

    public override (Type Key, Type Value)? InputTypes => (typeof(TKey), typeof(TValue));

    public override ProcessorNode Build() => new SinkNode<TKey, TValue>(Name, Topic, keySerializer, valueSerializer);
}
