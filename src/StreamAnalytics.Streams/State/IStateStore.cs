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
}
