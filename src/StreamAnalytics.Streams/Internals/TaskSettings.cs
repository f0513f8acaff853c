namespace StreamAnalytics.Streams.Internals;

/// <summary>The settings a task needs, read once from <see cref="StreamsConfig"/>.</summary>
internal sealed record TaskSettings(string ApplicationId, int BufferedRecordsPerPartition, long MaxTaskIdleMs)
{
    public string DeadLetterTopic => ApplicationId + Errors.DeadLetterHeaders.TopicSuffix;

    public static TaskSettings From(StreamsConfig config) =>
        new(config.ApplicationId!, config.BufferedRecordsPerPartition, config.MaxTaskIdleMs);
}
