using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Streams;

/// <summary>One assigned input partition, as of the last commit or rebalance of its stream thread.</summary>
/// <param name="Topic">Input topic.</param>
/// <param name="Partition">Partition number.</param>
/// <param name="TaskId">The task that owns it.</param>
/// <param name="CommittedOffset">Next offset to read as committed by this instance; -1 before its first commit.</param>
/// <param name="Lag">High watermark minus the committed offset (or the position, before a commit); null while unknown.</param>
/// <param name="QueuedRecords">Records polled and waiting in the bounded input queue.</param>
/// <param name="Paused">True while the partition is paused because its queue is full.</param>
public sealed record PartitionStatus(string Topic, int Partition, TaskId TaskId, long CommittedOffset, long? Lag, int QueuedRecords, bool Paused);
