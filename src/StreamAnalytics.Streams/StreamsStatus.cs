namespace StreamAnalytics.Streams;

/// <summary>A point-in-time snapshot of an instance for health checks and the CLI (see <see cref="IKafkaStreams.GetStatus"/>).</summary>
/// <param name="State">The instance state.</param>
/// <param name="AssignedPartitions">Input partitions of every thread, as of each thread's last commit or rebalance.</param>
/// <param name="RecordsConsumed">Records polled from input topics (including re-polls after a rewind).</param>
/// <param name="RecordsProcessed">Records handed to a source node.</param>
/// <param name="RecordsDeadLettered">Records sent to <c>{application.id}-dlq</c>.</param>
/// <param name="RecordsSkipped">Undeserializable records skipped by a Continue policy.</param>
/// <param name="Restores">Changelog partitions being restored, and those completed since the instance started (most recent 1000).</param>
/// <param name="Commits">Successful commits.</param>
/// <param name="CommitFailures">Failed commits (retried, or the tasks rewound to the last commit).</param>
/// <param name="Rebalances">Assignment, revocation and loss callbacks.</param>
/// <param name="RestoredRecords">Changelog records replayed into stores.</param>
/// <param name="LastError">The error that killed a stream thread, if any.</param>
public sealed record StreamsStatus(
    KafkaStreamsState State,
    IReadOnlyList<PartitionStatus> AssignedPartitions,
    IReadOnlyList<StoreRestoreStatus> Restores,
    long RecordsConsumed,
    long RecordsProcessed,
    long RecordsDeadLettered,
    long RecordsSkipped,
    long Commits,
    long CommitFailures,
    long Rebalances,
    long RestoredRecords,
    Exception? LastError);
