namespace StreamAnalytics.Streams;

/// <summary>An internal topic the runtime needs.</summary>
/// <param name="Name">Full topic name.</param>
/// <param name="Partitions">Partition count.</param>
/// <param name="ReplicationFactor">-1 = the broker default.</param>
/// <param name="Configs">Topic configs, e.g. <c>cleanup.policy</c>, <c>retention.ms</c>.</param>
public sealed record InternalTopicSpec(string Name, int Partitions, short ReplicationFactor, IReadOnlyDictionary<string, string> Configs);
