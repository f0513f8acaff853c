using Confluent.Kafka;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// The bounded FIFO of one input partition between poll and processing. It never grows past <see cref="Capacity"/>:
/// once it is full the stream thread consumes nothing more until it drains to <see cref="ResumeThreshold"/>
/// (<see cref="TaskManager.InputFull"/>). <see cref="TryEnqueue"/> still refuses a record when full; the thread then
/// pauses the partition and seeks it back to the refused record. Not thread-safe (stream thread only).
/// </summary>
internal sealed class RecordQueue
{
    private readonly ConsumeResult<byte[], byte[]>?[] _ring;
    private int _head;
    private int _count;

    public RecordQueue(TopicPartition partition, int capacity)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "buffered.records.per.partition must be positive");
        Partition = partition;
        _ring = new ConsumeResult<byte[], byte[]>?[capacity];
    }

    public TopicPartition Partition { get; }

    /// <summary>The source node of the partition's topic (set by the task that owns the queue).</summary>
    public ISourceNode? Source { get; init; }

    public int Capacity => _ring.Length;

    public int Count => _count;

    public bool IsEmpty => _count == 0;

    public bool IsFull => _count == _ring.Length;

    /// <summary>Resume a paused partition once its queue is at most half full (hysteresis avoids pause/resume on every record).</summary>
    public int ResumeThreshold => _ring.Length / 2;

    /// <summary>True while the consumer has this partition paused because the queue filled up.</summary>
    public bool Paused { get; set; }

    /// <summary>
    /// True once the consumer was sought back to the first record refused while full: later refusals (records fetched
    /// before the pause took effect) must not seek again, or the first refused record would be skipped.
    /// </summary>
    public bool Rewound { get; set; }

    /// <summary>Offset after the last record processed from this queue; -1 before the first (what the next commit covers).</summary>
    /// <remarks>A field of the queue, not a dictionary entry by partition: the task sets it for every record (issue 21).</remarks>
    public long NextOffset { get; set; } = -1;

    /// <summary>
    /// True once the queue no longer belongs to a running task (its partition was removed, or the task closed): a
    /// routing shortcut that remembered it must look the partition up again.
    /// </summary>
    public bool Detached { get; private set; }

    /// <summary>Marks the queue as out of use (see <see cref="Detached"/>) and drops its records.</summary>
    public void Detach()
    {
        Detached = true;
        Clear();
    }

    /// <summary>Timestamp (ms) of the head record; only valid when not empty.</summary>
    public long HeadTimestampMs => _ring[_head]!.Message.Timestamp.UnixTimestampMs;

    public bool TryEnqueue(ConsumeResult<byte[], byte[]> record)
    {
        if (_count == _ring.Length) return false;
        _ring[(_head + _count) % _ring.Length] = record;
        _count++;
        return true;
    }

    public ConsumeResult<byte[], byte[]> Dequeue()
    {
        if (_count == 0) throw new InvalidOperationException($"record queue of {Partition} is empty");
        var r = _ring[_head]!;
        _ring[_head] = null;
        _head = (_head + 1) % _ring.Length;
        _count--;
        return r;
    }

    /// <summary>Drops every queued record (they were not processed, so their offsets are not committed and will be re-read).</summary>
    public void Clear()
    {
        Array.Clear(_ring);
        _head = 0;
        _count = 0;
    }
}
