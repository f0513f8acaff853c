namespace StreamAnalytics.Streams;

/// <summary>Restore state of one store's changelog partition in one task (Kafka Streams' <c>StoreChangelogReader.ChangelogState</c>).</summary>
public enum ChangelogState
{
    /// <summary>Known to the changelog reader; its end offset has not been read yet.</summary>
    Registered,

    /// <summary>Being replayed from its beginning up to the end offset read at registration.</summary>
    Restoring,

    /// <summary>Replayed up to that end offset; the task's processors may run.</summary>
    Completed,
}
