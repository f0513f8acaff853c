namespace StreamAnalytics.Streams.Api;

/// <summary>
/// Identifies a task: one sub-topology working on one input partition. <c>0_3</c> is sub-topology 0, partition 3,
/// as in Kafka Streams' logs and metrics.
/// </summary>
public readonly record struct TaskId(int Subtopology, int Partition)
{
    public override string ToString() => $"{Subtopology}_{Partition}";
}
