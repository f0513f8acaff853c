using Confluent.Kafka;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// Where a task's outputs, changelog appends and dead-letter records go: the stream thread's producer at runtime, a
/// capturing list in the TopologyTestDriver. Sends are asynchronous; a commit waits for every send to be acknowledged.
/// </summary>
internal interface IRecordCollector
{
    /// <summary>Sends one record; <c>partition</c> null lets the producer's partitioner choose.</summary>
    void Send(string topic, int? partition, byte[]? key, byte[]? value, long timestampMs, Headers? headers);
}
