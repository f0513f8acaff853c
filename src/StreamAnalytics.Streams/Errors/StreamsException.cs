namespace StreamAnalytics.Streams.Errors;

/// <summary>
/// A failure of the streams runtime, with the context needed to act on it: the task, and the source topic, partition
/// and offset of the record being processed when there was one.
/// </summary>
public class StreamsException : Exception
{
    public StreamsException(string message) : base(message) { }

    public StreamsException(string message, Exception? inner) : base(message, inner) { }

    public StreamsException(string message, Exception? inner, Api.TaskId? taskId, string? topic = null, int? partition = null, long? offset = null)
        : base(message, inner)
    {
        TaskId = taskId;
        Topic = topic;
        Partition = partition;
        Offset = offset;
    }

    /// <summary>The task that failed, when the failure belongs to one.</summary>
    public Api.TaskId? TaskId { get; }

    /// <summary>Source topic of the record being processed, if any.</summary>
    public string? Topic { get; }

    public int? Partition { get; }

    public long? Offset { get; }
}
