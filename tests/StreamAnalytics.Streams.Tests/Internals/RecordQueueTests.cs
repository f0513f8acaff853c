using Confluent.Kafka;
using StreamAnalytics.Streams.Internals;

namespace StreamAnalytics.Streams.Tests.Internals;

public class RecordQueueTests
{
    private static readonly TopicPartition Tp = new("t", 0);

    private static ConsumeResult<byte[], byte[]> Record(long offset, long ts = 0) => new()
    {
        Topic = Tp.Topic,
        Partition = Tp.Partition,
        Offset = offset,
        Message = new Message<byte[], byte[]> { Key = [], Value = [], Timestamp = new Timestamp(ts, TimestampType.CreateTime) },
    };

    [Fact]
    public void A_full_queue_refuses_records_instead_of_growing()
    {
        var q = new RecordQueue(Tp, capacity: 3);
        Assert.True(q.TryEnqueue(Record(0)));
        Assert.True(q.TryEnqueue(Record(1)));
        Assert.True(q.TryEnqueue(Record(2)));
        Assert.True(q.IsFull);
        Assert.False(q.TryEnqueue(Record(3)));
        Assert.Equal(3, q.Count);
    }

    [Fact]
    public void Records_leave_in_arrival_order_across_the_ring_boundary()
    {
        var q = new RecordQueue(Tp, capacity: 2);
        var seen = new List<long>();
        for (long i = 0; i < 7; i++)
        {
            Assert.True(q.TryEnqueue(Record(i)));
            if (q.IsFull) seen.Add(q.Dequeue().Offset.Value);
        }
        while (!q.IsEmpty) seen.Add(q.Dequeue().Offset.Value);
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6], seen);
    }

    [Fact]
    public void A_paused_partition_resumes_once_its_queue_is_half_empty()
    {
        var q = new RecordQueue(Tp, capacity: 10);
        Assert.Equal(5, q.ResumeThreshold);
    }

    [Fact]
    public void Head_timestamp_is_that_of_the_oldest_queued_record()
    {
        var q = new RecordQueue(Tp, capacity: 4);
        q.TryEnqueue(Record(0, ts: 50));
        q.TryEnqueue(Record(1, ts: 10));
        Assert.Equal(50, q.HeadTimestampMs);
        q.Dequeue();
        Assert.Equal(10, q.HeadTimestampMs);
    }

    [Fact]
    public void Clearing_drops_every_queued_record()
    {
        var q = new RecordQueue(Tp, capacity: 4);
        q.TryEnqueue(Record(0));
        q.Clear();
        Assert.True(q.IsEmpty);
        Assert.Throws<InvalidOperationException>(() => q.Dequeue());
    }
}
