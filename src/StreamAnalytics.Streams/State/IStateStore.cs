namespace StreamAnalytics.Streams.State;

/// <summary>
/// A task-local store of state that survives restarts and partition moves through its changelog topic
/// <c>{application.id}-{Name}-changelog</c> (same partition as the task's input).
/// </summary>
/// <remarks>
/// Lifecycle (owned by the runtime): <see cref="Init"/> registers the store and its restore callback; the runtime then
/// replays the changelog into the callback before any processor of the task runs; <see cref="Flush"/> before each
/// commit; <see cref="Close"/> when the task closes. A store writes its changes with
/// <see cref="IChangelog.Append"/>: the runtime produces them in the same transaction / at-least-once batch as the
/// task's other outputs.
/// </remarks>
public interface IStateStore
{
    string Name { get; }

    /// <summary>False for stores that need no changelog (caches that can be rebuilt).</summary>
    bool LoggingEnabled { get; }

    void Init(IStateStoreContext context);

    void Flush();

    void Close();
}

/// <summary>Given to <see cref="IStateStore.Init"/>.</summary>
public interface IStateStoreContext
{
    string ApplicationId { get; }

    Api.TaskId TaskId { get; }

    /// <summary>
    /// Registers the store. <paramref name="restore"/> receives every changelog record (key, value; value is null for a
    /// delete) in offset order while the task restores. Returns the handle to log changes with (a no-op handle when
    /// logging is disabled).
    /// </summary>
    IChangelog Register(IStateStore store, StateRestoreCallback restore);
}

/// <summary>Receives one changelog record during restore; <paramref name="value"/> is null for a tombstone.</summary>
public delegate void StateRestoreCallback(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isTombstone);

/// <summary>The write side of a store's changelog topic.</summary>
public interface IChangelog
{
    /// <summary>The topic name, <c>{application.id}-{store}-changelog</c>, or null when logging is disabled.</summary>
    string? Topic { get; }

    /// <summary>Logs a change (copying the bytes). Not sent synchronously: acknowledged before the next commit.</summary>
    void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>Logs a delete of <paramref name="key"/> (a record with a null value).</summary>
    void AppendTombstone(ReadOnlySpan<byte> key);

    /// <summary>
    /// Logs a delete of <paramref name="key"/> only once the outputs the task forwarded so far are committed: under
    /// at_least_once the delete is held until the next successful commit (outputs acknowledged, sinks flushed, offsets
    /// committed), and an <see cref="Append"/> of the same key before then sends it first, so the changelog keeps its
    /// order. Under exactly_once_v2 (and in the test driver) it is <see cref="AppendTombstone"/>: the transaction
    /// already makes the delete and the outputs atomic.
    /// </summary>
    /// <remarks>
    /// For stores that delete an entry because they emitted it (a completed session, a closed window). A delete logged
    /// at once can be acknowledged while the output it stands for is not yet durable (a file sink not yet fsynced, an
    /// Elasticsearch bulk not yet acknowledged); if the process dies then, restore forgets the entry and the input
    /// offsets are past it, so the output is lost. Held until the commit, a crash restores the entry instead, and it is
    /// emitted again: a duplicate, which at_least_once allows.
    /// </remarks>
    void AppendTombstoneAfterCommit(ReadOnlySpan<byte> key) => AppendTombstone(key);
}
