using Confluent.Kafka;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// A store's write side of its changelog partition: appends go to the task's record collector with the timestamp of
/// the record being processed (wall clock inside a punctuation), so they are acknowledged (or in the transaction) before
/// the task's offsets are committed.
/// </summary>
internal sealed class ChangelogHandle(TopicPartition partition, StreamTask task) : IChangelog
{
    public string? Topic => partition.Topic;

    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
        task.Collector.Send(partition.Topic, partition.Partition.Value, key.ToArray(), value.ToArray(), task.CurrentTimestampMs, null);

    public void AppendTombstone(ReadOnlySpan<byte> key) =>
        task.Collector.Send(partition.Topic, partition.Partition.Value, key.ToArray(), null, task.CurrentTimestampMs, null);
}
