namespace StreamAnalytics.Streams;

/// <summary>Chooses the partition of a record written by a sink (Kafka Streams' StreamPartitioner).</summary>
/// <remarks>
/// Called on the stream thread, once per record. Without a partitioner the producer's own partitioner
/// (librdkafka <c>partitioner</c>, default <c>consistent_random</c>: a hash of the key bytes) decides.
/// </remarks>
public interface IStreamPartitioner<in TKey, in TValue>
{
    /// <returns>A partition in <c>[0, partitionCount)</c>. An out-of-range value fails the task.</returns>
    int Partition(string topic, TKey key, TValue value, int partitionCount);
}
