namespace StreamAnalytics.Streams.State;

/// <summary>
/// Optionally implemented by a store with logging enabled to choose the topic configs of its changelog
/// <c>{application.id}-{store}-changelog</c> (passed to CreateTopics when the runtime creates it).
/// </summary>
/// <remarks>
/// Without it a changelog gets <c>cleanup.policy=compact</c>: the latest value per key is what restore needs. A store
/// that logs append-style (one changelog record per event, never overwriting a key, e.g. an open-trace buffer that logs
/// each span) may return <c>cleanup.policy=delete</c> with a <c>retention.ms</c> longer than the longest time an
/// entry can stay in the store: compaction would keep only the last event per key and restore would lose the rest.
/// Read once when the topology is started.
/// </remarks>
public interface IChangelogTopicConfig
{
    IReadOnlyDictionary<string, string> ChangelogTopicConfig { get; }
}
