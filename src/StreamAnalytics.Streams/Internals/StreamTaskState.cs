namespace StreamAnalytics.Streams.Internals;

/// <summary>Lifecycle of a <see cref="StreamTask"/>.</summary>
internal enum StreamTaskState
{
    /// <summary>Nodes and stores built; stores not initialised.</summary>
    Created,

    /// <summary>Stores initialised and being restored from their changelogs; records are queued but not processed.</summary>
    Restoring,

    /// <summary>Processors initialised; records are processed and punctuations fire.</summary>
    Running,

    /// <summary>Processors and stores closed; the task is discarded.</summary>
    Closed,
}
