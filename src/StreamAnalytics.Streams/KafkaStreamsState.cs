namespace StreamAnalytics.Streams;

/// <summary>State of an <see cref="IKafkaStreams"/> instance (Kafka Streams' <c>KafkaStreams.State</c>).</summary>
/// <remarks>
/// Created → Rebalancing (Start) ⇄ Running; any → PendingShutdown (CloseAsync) → NotRunning; a stream thread that dies
/// of an unhandled error moves the instance to Error, which CloseAsync keeps (it still releases every client).
/// </remarks>
public enum KafkaStreamsState
{
    /// <summary>Built, not started.</summary>
    Created,

    /// <summary>Joining the group, taking over partitions, or restoring stores; some threads are not processing yet.</summary>
    Rebalancing,

    /// <summary>Every thread has its assignment and every task is restored and processing.</summary>
    Running,

    /// <summary>CloseAsync was called; threads are draining, committing and leaving the group.</summary>
    PendingShutdown,

    /// <summary>Closed.</summary>
    NotRunning,

    /// <summary>A stream thread failed (see the logs and <see cref="StreamsStatus.LastError"/>); close the instance.</summary>
    Error,
}
