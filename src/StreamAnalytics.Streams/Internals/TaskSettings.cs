namespace StreamAnalytics.Streams.Internals;

/// <summary>The settings a task needs, read once from <see cref="StreamsConfig"/>.</summary>
/// <param name="ApplicationId">The application id (prefix of internal topics).</param>
/// <param name="BufferedRecordsPerPartition">Bound of each input queue.</param>
/// <param name="MaxTaskIdleMs">How long a task waits for an empty input before processing the others.</param>
/// <param name="DeferDeletesUntilCommit">
/// True under at_least_once in the stream threads: <see cref="State.IChangelog.AppendTombstoneAfterCommit"/> holds deletes
/// until the next successful commit. False under exactly_once_v2 and in the test driver (no commit cycle).
/// </param>
/// <param name="FlushTimeoutMs">
/// Longest a commit waits for a back-pressured processor (<see cref="Api.IBackPressure.TryFlush"/>) to confirm its
/// outputs; the stream thread keeps it well below <c>max.poll.interval.ms</c>.
/// </param>
internal sealed record TaskSettings(string ApplicationId, int BufferedRecordsPerPartition, long MaxTaskIdleMs, bool DeferDeletesUntilCommit = false,
    int FlushTimeoutMs = 30_000)
{
    public string DeadLetterTopic => ApplicationId + Errors.DeadLetterHeaders.TopicSuffix;

    public static TaskSettings From(StreamsConfig config) =>
        new(config.ApplicationId!, config.BufferedRecordsPerPartition, config.MaxTaskIdleMs);
}
