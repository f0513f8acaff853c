using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// Owns the state stores of one task and their changelog bookkeeping.
/// </summary>
/// <remarks>
/// The stores are created (one instance per task, from the topology's suppliers) and initialised when the task is
/// created; each store registers here with its restore callback. For a store with logging enabled this class holds the
/// changelog partition <c>{application.id}-{store}-changelog</c>, partition = the task's partition, and the true restore
/// progress: <see cref="StoreEntry.RestoredOffset"/> is the offset of the last changelog record replayed into the store
/// (written only by the changelog reader, on the stream thread). There is no local checkpoint: stores are in memory, so
/// every (re)start restores the changelog from its beginning. Writes after restore go through <see cref="IChangelog"/>
/// handles to the task's record collector, so they are committed together with the task's outputs and offsets.
/// </remarks>
internal sealed class ProcessorStateManager : IStateStoreContext
{
    private readonly Dictionary<string, StoreEntry> _stores = new(StringComparer.Ordinal);
    private readonly StreamTask _task;

    public ProcessorStateManager(StreamTask task, IReadOnlyList<StoreFactory> factories)
    {
        _task = task;
        foreach (var f in factories)
        {
            var store = f.Supplier() ?? throw new ProcessorStateException($"the supplier of store '{f.Name}' returned null", taskId: task.Id);
            if (!string.Equals(store.Name, f.Name, StringComparison.Ordinal))
                throw new ProcessorStateException($"the supplier of store '{f.Name}' built a store named '{store.Name}'", taskId: task.Id);
            _stores[f.Name] = new StoreEntry(store, f.LoggingEnabled ? f.ChangelogTopic(task.ApplicationId) : null, task.Id.Partition);
        }
    }

    public string ApplicationId => _task.ApplicationId;

    public TaskId TaskId => _task.Id;

    public IEnumerable<StoreEntry> Stores => _stores.Values;

    /// <summary>Calls <see cref="IStateStore.Init"/> on every store; each must register.</summary>
    public void InitStores()
    {
        foreach (var entry in _stores.Values)
        {
            try
            {
                entry.Store.Init(this);
            }
            catch (Exception ex) when (ex is not StreamsException)
            {
                throw new ProcessorStateException($"task {TaskId}: Init of store '{entry.Store.Name}' failed: {ex.Message}", ex, TaskId);
            }
            if (entry.Restore is null)
                throw new ProcessorStateException($"task {TaskId}: store '{entry.Store.Name}' did not call Register in Init", taskId: TaskId);
        }
    }

    public IChangelog Register(IStateStore store, StateRestoreCallback restore)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(restore);
        if (!_stores.TryGetValue(store.Name, out var entry))
            throw new ProcessorStateException($"task {TaskId}: store '{store.Name}' registered but is not part of this task", taskId: TaskId);
        if (entry.Restore is not null)
            throw new ProcessorStateException($"task {TaskId}: store '{store.Name}' registered twice", taskId: TaskId);
        entry.Restore = restore;
        entry.Changelog = entry.ChangelogPartition is { } tp ? new ChangelogHandle(tp, _task) : NoChangelog.Instance;
        return entry.Changelog;
    }

    public IStateStore GetStore(string name) =>
        _stores.TryGetValue(name, out var e) ? e.Store : throw new InvalidOperationException($"task {TaskId} has no store '{name}'");

    public void Flush()
    {
        foreach (var e in _stores.Values)
        {
            try
            {
                e.Store.Flush();
            }
            catch (Exception ex) when (ex is not StreamsException)
            {
                throw new ProcessorStateException($"task {TaskId}: flush of store '{e.Store.Name}' failed: {ex.Message}", ex, TaskId);
            }
        }
    }

    /// <summary>After a successful commit: sends every store's held deletes (<see cref="IChangelog.AppendTombstoneAfterCommit"/>).</summary>
    public void SendDeferredDeletes()
    {
        foreach (var e in _stores.Values)
        {
            if (e.Changelog is ChangelogHandle handle) handle.SendDeferredDeletes();
        }
    }

    /// <summary>Closes every store; failures are collected so one bad store does not leak the others.</summary>
    public void Close()
    {
        List<Exception>? errors = null;
        foreach (var e in _stores.Values)
        {
            try
            {
                e.Store.Close();
            }
            catch (Exception ex)
            {
                (errors ??= new()).Add(ex);
            }
        }
        if (errors is not null)
            throw new ProcessorStateException($"task {TaskId}: closing stores failed: {string.Join("; ", errors.Select(x => x.Message))}", new AggregateException(errors), TaskId);
    }

    /// <summary>One store of the task.</summary>
    internal sealed class StoreEntry(IStateStore store, string? changelogTopic, int partition)
    {
        public IStateStore Store { get; } = store;

        /// <summary>The changelog partition, or null when logging is disabled.</summary>
        public TopicPartition? ChangelogPartition { get; } = changelogTopic is null ? null : new TopicPartition(changelogTopic, partition);

        public StateRestoreCallback? Restore { get; set; }

        public IChangelog? Changelog { get; set; }

        /// <summary>Offset of the last changelog record replayed into the store; -1 before any.</summary>
        public long RestoredOffset { get; set; } = -1;

        public long RestoredRecords { get; set; }

        public void Replay(long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isTombstone)
        {
            Restore!(key, value, isTombstone);
            RestoredOffset = offset;
            RestoredRecords++;
        }
    }

    private sealed class NoChangelog : IChangelog
    {
        public static readonly NoChangelog Instance = new();

        public string? Topic => null;

        public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) { }

        public void AppendTombstone(ReadOnlySpan<byte> key) { }
    }
}
