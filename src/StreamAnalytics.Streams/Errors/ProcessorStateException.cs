namespace StreamAnalytics.Streams.Errors;

/// <summary>A state store could not be registered, restored, flushed or closed.</summary>
public sealed class ProcessorStateException : StreamsException
{
    public ProcessorStateException(string message, Exception? inner = null, Api.TaskId? taskId = null)
        : base(message, inner, taskId) { }
}
