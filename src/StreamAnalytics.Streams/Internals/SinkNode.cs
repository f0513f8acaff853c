using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>Serializes records and hands them to the task's record collector (produced before the next commit completes).</summary>
internal sealed class SinkNode<TKey, TValue>(
    string name, TopicName topic, ISerializer<TKey> keySerializer, ISerializer<TValue> valueSerializer)
    : ProcessorNode(name), IRecordReceiver<TKey, TValue>
{
    private StreamTask? _task;
    private string _topic = topic.Name;

    public override void Init(StreamTask task, IReadOnlySet<string> storeNames)
    {
        _task = task;
        _topic = topic.Resolve(task.ApplicationId);
    }

    public void Receive(Record<TKey, TValue> record)
    {
        var task = _task!;
        Headers? headers = null;
        if (record.Headers is { Count: > 0 } h)
        {
            headers = new Headers();
            for (int i = 0; i < h.Count; i++) headers.Add(h[i].Key, h[i].Value);
        }
        byte[]? key, value;
        try
        {
            key = keySerializer.Serialize(record.Key, new SerializationContext(MessageComponentType.Key, _topic, headers));
            value = valueSerializer.Serialize(record.Value, new SerializationContext(MessageComponentType.Value, _topic, headers));
        }
        catch (Exception ex)
        {
            var meta = task.CurrentMetadata;
            throw new StreamsException($"task {task.Id}: sink '{Name}' could not serialize a record for topic '{_topic}'" +
                (meta is null ? "" : $" (derived from {meta.Topic}-{meta.Partition}@{meta.Offset})") + $": {ex.Message}", ex, task.Id, meta?.Topic, meta?.Partition, meta?.Offset);
        }
        // No partition: the producer places the record by murmur2 of the key, as Kafka Streams does by default.
        task.Collector.Send(_topic, null, key, value, record.TimestampMs, headers);
    }

    public override void Close() { }
}
