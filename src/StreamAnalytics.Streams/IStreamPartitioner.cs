namespace StreamAnalytics.Streams;

/// <summary>Chooses the partition of a record written by a sink (Kafka Streams' StreamPartitioner).</summary>
/// <remarks>
/// Called on the stream thread, once per record. Without a partitioner the runtime's producer decides: murmur2 of the
/// key bytes (librdkafka <c>murmur2_random</c>), as the Java client's default partitioner and Kafka Streams place keys.
/// </remarks>
public interface IStreamPartitioner<in TKey, in TValue>
{
    /// <returns>A partition in <c>[0, partitionCount)</c>. An out-of-range value fails the task.</returns>
    int Partition(string topic, TKey key, TValue value, int partitionCount);
}
