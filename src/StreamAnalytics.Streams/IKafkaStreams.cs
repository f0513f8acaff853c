namespace StreamAnalytics.Streams;

/// <summary>A running instance of a topology (Kafka Streams' <c>KafkaStreams</c>). Built by <see cref="KafkaStreamsBuilder"/>.</summary>
/// <remarks>
/// Several instances (in one process or many) with the same <c>application.id</c> form one consumer group and share the
/// input partitions; tasks move between them through cooperative rebalances, and a task's stores follow it through
/// their changelogs. Dispose is CloseAsync with a 30 s bound.
/// </remarks>
public interface IKafkaStreams : IAsyncDisposable
{
    /// <summary>Current state. Thread-safe.</summary>
    KafkaStreamsState State { get; }

    /// <summary>
    /// Raised on every state change with (old, new). Runs on the thread causing the change (a stream thread, or the
    /// caller of Start/CloseAsync); keep it short. An exception thrown by a handler is logged and ignored.
    /// </summary>
    event Action<KafkaStreamsState, KafkaStreamsState>? StateChanged;

    /// <summary>
    /// Creates missing internal topics (through the <see cref="ITopicAdmin"/>) and starts the stream threads; returns
    /// once they are started (the instance is then Rebalancing). Call once.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started or closed.</exception>
    /// <exception cref="Errors.StreamsException">A source topic is missing or an internal topic has the wrong partition count.</exception>
    void Start();

    /// <summary>
    /// Graceful shutdown: stops polling, processes what is already queued (for at most half the timeout), flushes and
    /// commits, closes the consumers (leaving the group so the partitions move at once) and producers.
    /// </summary>
    /// <returns>True if every thread finished within <paramref name="timeout"/>; false if some were still closing (they
    /// are background threads and keep closing).</returns>
    Task<bool> CloseAsync(TimeSpan timeout);

    /// <summary>A snapshot of assignment, restore progress, committed offsets, lag and counters. Thread-safe; partition data is as of each thread's last commit or rebalance.</summary>
    StreamsStatus GetStatus();
}
