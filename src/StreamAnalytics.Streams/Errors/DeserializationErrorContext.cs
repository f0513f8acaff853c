namespace StreamAnalytics.Streams.Errors;

/// <summary>
/// The record that failed to deserialize, given to <see cref="IDeserializationExceptionHandler"/>: the task, the source
/// node whose deserializer threw, the record's coordinates, and its raw key and value.
/// </summary>
public sealed record DeserializationErrorContext(
    Api.TaskId TaskId,
    string SourceNodeName,
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[]? Value);
