namespace StreamAnalytics.Streams.Api;

/// <summary>
/// Implemented by processors that hand outputs to a destination outside Kafka that can fall behind (an Elasticsearch
/// bulk buffer): they tell the runtime to stop feeding them instead of blocking the stream thread.
/// </summary>
/// <remarks>
/// <para>While any running task of a stream thread has a processor with <see cref="IsBlocked"/> true, the thread pauses
/// every partition it owns (partitions assigned meanwhile too), keeps calling <c>Consume</c> so that the member stays in
/// the group however long the pause lasts (<c>max.poll.interval.ms</c>), processes no record, fires no wall-clock
/// punctuation (a punctuation would push more into the blocked destination) and does not commit: offsets stay where
/// the destination last confirmed them. It resumes once no processor is blocked.</para>
/// <para>At a commit the runtime calls <see cref="TryFlush"/> instead of <see cref="IFlushable.Flush"/>, with a bounded
/// wait, and skips the commit (retried at the next interval) when it returns false.</para>
/// <para><see cref="IsBlocked"/> is read on the stream thread between records; it must be cheap and must not throw.</para>
/// </remarks>
public interface IBackPressure : IFlushable
{
    /// <summary>True while the processor must get no more records (its destination's buffer is near its bound).</summary>
    bool IsBlocked { get; }

    /// <summary>
    /// Waits at most <paramref name="timeout"/> until every output handed over so far is durable. True when it is (the
    /// commit may go ahead); false when not yet (the commit is skipped and retried later). Never waits longer.
    /// </summary>
    bool TryFlush(TimeSpan timeout, CancellationToken cancellationToken);
}
