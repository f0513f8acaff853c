namespace StreamAnalytics.Streams.Api;

/// <summary>Where the record being processed came from. Absent inside a punctuation.</summary>
public sealed record RecordMetadata(string Topic, int Partition, long Offset);
