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

    /// <summary>
    /// Each topic's <c>max.message.bytes</c> among <paramref name="topics"/> (those the broker describes), or null when the
    /// broker does not say. The runtime lowers each sub-topology's producers' <c>message.max.bytes</c> to the smallest
    /// of the topics it writes, so a record a topic would refuse is refused by the client, where it becomes a dead
    /// letter, instead of by the broker, where under exactly_once_v2 it dooms the transaction and the replay meets the
    /// same refusal. Called once per Start, with every topic the topology writes.
    /// </summary>
    /// <remarks>The default answers null (the producer's own limit stands): an admin that cannot describe configs.</remarks>
    IReadOnlyDictionary<string, int>? GetMaxMessageBytes(IReadOnlyList<string> topics) => null;
}
