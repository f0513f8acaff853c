using Confluent.Kafka;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Streams.Internals;

/// <summary>Non-generic entry point of a source: the task hands it raw records of its topics.</summary>
internal interface ISourceNode
{
    string Name { get; }

    void Process(ConsumeResult<byte[], byte[]> raw, long timestampMs);
}

/// <summary>
/// Deserializes a raw record and forwards it to its children. A deserializer failure is handed to the task's
/// deserialization handler (dead-letter, skip or fail) instead of being thrown to the processors.
/// </summary>
internal sealed class SourceNode<TKey, TValue>(string name, IDeserializer<TKey> keyDeserializer, IDeserializer<TValue> valueDeserializer)
    : ProcessorNode(name), ISourceNode
{
    private StreamTask? _task;
    private IRecordReceiver<TKey, TValue>[] _children = [];

    public override void Init(StreamTask task, IReadOnlySet<string> storeNames)
    {
        _task = task;
        _children = new IRecordReceiver<TKey, TValue>[Children.Count];
        for (int i = 0; i < Children.Count; i++) _children[i] = (IRecordReceiver<TKey, TValue>)Children[i];
    }

    public void Process(ConsumeResult<byte[], byte[]> raw, long timestampMs)
    {
        var task = _task!;
        var message = raw.Message;
        TKey key;
        TValue value;
        try
        {
            key = keyDeserializer.Deserialize(message.Key, message.Key is null, new SerializationContext(MessageComponentType.Key, raw.Topic, message.Headers));
            value = valueDeserializer.Deserialize(message.Value, message.Value is null, new SerializationContext(MessageComponentType.Value, raw.Topic, message.Headers));
        }
        catch (Exception ex)
        {
            task.HandleDeserializationError(Name, raw, ex);
            return;
        }
        var record = new Record<TKey, TValue>(key, value, timestampMs, ConvertHeaders(message.Headers));
        for (int i = 0; i < _children.Length; i++) _children[i].Receive(record);
    }

    public override void Close() { }

    private static IReadOnlyList<KeyValuePair<string, byte[]>>? ConvertHeaders(Headers? headers)
    {
        if (headers is null || headers.Count == 0) return null;
        var list = new KeyValuePair<string, byte[]>[headers.Count];
        for (int i = 0; i < headers.Count; i++) list[i] = new(headers[i].Key, headers[i].GetValueBytes());
        return list;
    }
}
