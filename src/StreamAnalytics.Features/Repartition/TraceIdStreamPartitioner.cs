using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// Puts a record keyed by trace id on the partition Kafka's murmur2 partitioner picks for its key
/// (<see cref="TraceIdPartitioner.Partition(TraceId, int)"/>), whatever the producer's <c>partitioner</c> setting.
/// </summary>
/// <remarks>
/// Why not leave it to the producer: librdkafka's default (<c>consistent_random</c>, CRC-32) and Java's (murmur2) place
/// the same key on different partitions, so the placement would depend on a client setting. Computed here, the
/// repartition topic has the placement Kafka Streams gives its own repartition topics, and a record's partition can be
/// checked from its key alone.
/// </remarks>
public sealed class TraceIdStreamPartitioner<TValue> : IStreamPartitioner<TraceId, TValue>
{
    public static readonly TraceIdStreamPartitioner<TValue> Instance = new();

    public int Partition(string topic, TraceId key, TValue value, int partitionCount) => TraceIdPartitioner.Partition(key, partitionCount);
}
