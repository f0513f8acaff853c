namespace StreamAnalytics.Streams.Internals;

/// <summary>Lifecycle of a <see cref="StreamThread"/> (Kafka Streams' StreamThread.State).</summary>
internal enum StreamThreadState
{
    Created,

    /// <summary>Subscribed, waiting for the first assignment.</summary>
    Starting,

    /// <summary>Partitions were revoked; waiting for the rebalance to finish.</summary>
    PartitionsRevoked,

    /// <summary>Has an assignment; some tasks are still restoring.</summary>
    PartitionsAssigned,

    /// <summary>Every task is running.</summary>
    Running,

    /// <summary>Asked to stop: draining, committing, leaving the group.</summary>
    PendingShutdown,

    /// <summary>Stopped (cleanly or after a fatal error).</summary>
    Dead,
}
