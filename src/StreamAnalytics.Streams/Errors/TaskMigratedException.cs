namespace StreamAnalytics.Streams.Errors;

/// <summary>
/// The thread no longer owns a task (its partitions were lost, or its transactional producer was fenced by a newer
/// member). Handled inside the runtime: the tasks are closed without committing and rejoin through the next rebalance.
/// </summary>
public sealed class TaskMigratedException : StreamsException
{
    public TaskMigratedException(string message, Exception? inner = null) : base(message, inner) { }
}
