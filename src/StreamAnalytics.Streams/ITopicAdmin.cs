namespace StreamAnalytics.Streams;

/// <summary>
/// How the runtime inspects and creates topics when it starts: partition counts of source topics, and creation of
/// internal topics (changelogs, repartition topics, the dead-letter topic).
/// </summary>
/// <remarks>
/// Called from <see cref="IKafkaStreams.Start"/> on the caller's thread, before any stream thread starts. The default
/// implementation uses Confluent.Kafka's AdminClient (CreateTopics with the topic configs). The embedded test cluster
/// does not implement CreateTopics: use <c>EmbeddedTopicAdmin</c> (StreamAnalytics.Streams.Testing) there
/// (<see cref="KafkaStreamsBuilder.SetTopicAdmin"/>). Exceptions propagate out of Start.
/// </remarks>
public interface ITopicAdmin
{
    /// <summary>The topic's partition count, or null if it does not exist.</summary>
    int? GetPartitionCount(string topic);

    /// <summary>Creates the topics that do not exist yet; existing topics are left as they are (the caller checks partition counts).</summary>
    void CreateTopics(IReadOnlyList<InternalTopicSpec> topics);
}
