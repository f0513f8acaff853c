namespace StreamAnalytics.Streams.Internals;

/// <summary>An internal repartition topic; <see cref="Partitions"/> null means "as many as the input of the sub-topology that writes it".</summary>
internal sealed record RepartitionTopicDefinition(TopicName Topic, int? Partitions);
