namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// Records and key + value bytes handed to the producer for one topic, by every stream thread of the instance. Read by
/// the <c>streams.records.produced</c> and <c>streams.produced</c> observable counters; the hot path only adds.
/// </summary>
internal sealed class ProducedTally(string topic)
{
    private long _records;
    private long _bytes;

    public string Topic { get; } = topic;

    public long Records => Interlocked.Read(ref _records);

    public long Bytes => Interlocked.Read(ref _bytes);

    public void Add(int bytes)
    {
        Interlocked.Increment(ref _records);
        Interlocked.Add(ref _bytes, bytes);
    }
}
