using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// Restores the stores of a stream thread's new tasks from their changelog partitions, with a restore consumer that is
/// not part of the group (it assigns partitions directly). Each changelog partition moves
/// <see cref="ChangelogState.Registered"/> → <see cref="ChangelogState.Restoring"/> → <see cref="ChangelogState.Completed"/>;
/// a task's processors run only after all its changelogs completed.
/// </summary>
/// <remarks>
/// Restoring reads from the beginning of the changelog up to the high watermark read at registration (records written
/// later belong to the new owner, this task, so they cannot exist yet). Each <see cref="Restore"/> call replays at most
/// <c>state.restore.batch.records</c> records, so the thread keeps polling its main consumer (and staying in the group)
/// during a long restore. Stream thread only.
/// </remarks>
internal sealed class StoreChangelogReader : IDisposable
{
    private readonly Func<IConsumer<byte[], byte[]>> _consumerFactory;
    private readonly TimeSpan _metadataTimeout;
    private readonly StreamsMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Dictionary<TopicPartition, ChangelogMetadata> _changelogs = new();
    private readonly Queue<StoreRestoreStatus> _completedHistory = new();
    private readonly TimeProvider _time;
    private readonly long _taskTimeoutMs;
    private IConsumer<byte[], byte[]>? _consumer;
    private bool _assignmentChanged;

    /// <param name="consumerFactory">Makes the restore consumer, on first need.</param>
    /// <param name="metadataTimeout">How long one end-offset query may take.</param>
    /// <param name="metrics">Restored-record counters.</param>
    /// <param name="logger">Restore progress and errors.</param>
    /// <param name="time">The clock of <paramref name="taskTimeoutMs"/>; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="taskTimeoutMs">
    /// <c>task.timeout.ms</c>: how long a changelog's end offset may stay unreadable through transient errors before the
    /// restore fails (as Kafka Streams fails a task whose client calls time out that long).
    /// </param>
    public StoreChangelogReader(
        Func<IConsumer<byte[], byte[]>> consumerFactory, TimeSpan metadataTimeout, StreamsMetrics metrics, ILogger logger, TimeProvider? time = null,
        long taskTimeoutMs = StreamsConfig.DefaultTaskTimeoutMs)
    {
        _time = time ?? TimeProvider.System;
        _taskTimeoutMs = taskTimeoutMs;
        _consumerFactory = consumerFactory;
        _metadataTimeout = metadataTimeout;
        _metrics = metrics;
        _logger = logger;
    }

    public bool HasRestoring => _changelogs.Count > 0;

    /// <summary>Registers the logged stores of a task whose stores were just initialised.</summary>
    public void Register(StreamTask task)
    {
        foreach (var store in task.StateManager.Stores)
        {
            if (store.ChangelogPartition is { } tp) _changelogs[tp] = new ChangelogMetadata(tp, task, store);
        }
    }

    /// <summary>Forgets a task that is closed before its restore completed.</summary>
    public void Unregister(StreamTask task)
    {
        foreach (var (tp, cl) in _changelogs.ToList())
        {
            if (!ReferenceEquals(cl.Task, task)) continue;
            _changelogs.Remove(tp);
            if (cl.State == ChangelogState.Restoring) _assignmentChanged = true;
        }
    }

    /// <summary>Replays up to <paramref name="maxRecords"/> changelog records and returns the tasks that finished restoring.</summary>
    public List<StreamTask> Restore(int maxRecords, TimeSpan pollTimeout)
    {
        foreach (var cl in _changelogs.Values)
        {
            if (cl.State != ChangelogState.Registered) continue;
            var consumer = _consumer ??= _consumerFactory();
            WatermarkOffsets wm;
            try
            {
                wm = consumer.QueryWatermarkOffsets(cl.Partition, _metadataTimeout);
            }
            catch (KafkaException ex) when (IsTransient(ex.Error))
            {
                // The partition's leader is moving or its broker is unreachable: stay registered and ask again on the next
                // call, while the thread keeps polling and stays in the group (as a long restore does), for up to
                // task.timeout.ms; past it the restore fails and with it the thread, so an orchestrator sees a failure
                // instead of an instance that never becomes ready.
                long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                if (cl.TransientSinceMs < 0) cl.TransientSinceMs = now;
                long waited = now - cl.TransientSinceMs;
                if (waited >= _taskTimeoutMs)
                {
                    throw new ProcessorStateException(
                        $"task {cl.Task.Id}: the end offset of changelog {cl.Partition} could not be read for {waited} ms " +
                        $"({StreamsConfig.TaskTimeoutMsKey} is {_taskTimeoutMs}): {ex.Error.Code} {ex.Error.Reason}", ex, cl.Task.Id);
                }
                if (cl.TransientSinceMs == now)
                    _logger.LogWarning("Task {TaskId}: cannot read the end offset of changelog {Changelog} yet ({Error}); retrying for up to {TaskTimeoutMs} ms (task.timeout.ms)",
                        cl.Task.Id, cl.Partition, ex.Error.Reason, _taskTimeoutMs);
                continue;
            }
            catch (KafkaException ex)
            {
                throw new ProcessorStateException($"task {cl.Task.Id}: cannot read the end offset of changelog {cl.Partition}: {ex.Error.Reason}", ex, cl.Task.Id);
            }
            cl.EndOffset = wm.High.Value;
            cl.NextOffset = wm.Low.Value;
            if (wm.High.Value <= wm.Low.Value)
            {
                cl.State = ChangelogState.Completed;
            }
            else
            {
                cl.State = ChangelogState.Restoring;
                _assignmentChanged = true;
                _logger.LogInformation("Task {TaskId}: restoring store {Store} from {Changelog} offsets {Low}..{High}",
                    cl.Task.Id, cl.Store.Store.Name, cl.Partition, wm.Low.Value, wm.High.Value);
            }
        }

        if (_assignmentChanged && _consumer is not null)
        {
            var assignment = new List<TopicPartitionOffset>();
            foreach (var cl in _changelogs.Values)
            {
                if (cl.State == ChangelogState.Restoring) assignment.Add(new TopicPartitionOffset(cl.Partition, cl.NextOffset));
            }
            _consumer.Assign(assignment);
            _assignmentChanged = false;
        }

        int restored = 0;
        if (_consumer is not null && _changelogs.Values.Any(c => c.State == ChangelogState.Restoring))
        {
            var timeout = pollTimeout;
            while (restored < maxRecords)
            {
                var cr = _consumer.Consume(timeout);
                if (cr is null) break;
                timeout = TimeSpan.Zero;
                if (!_changelogs.TryGetValue(cr.TopicPartition, out var cl) || cl.State != ChangelogState.Restoring) continue;
                if (cr.IsPartitionEOF)
                {
                    if (cr.Offset.Value >= cl.EndOffset) Complete(cl);
                    continue;
                }
                if (cr.Offset.Value < cl.NextOffset) continue; // stale prefetch from before a re-assignment
                var m = cr.Message;
                cl.Store.Replay(cr.Offset.Value, m.Key, m.Value, m.Value is null);
                cl.NextOffset = cr.Offset.Value + 1;
                restored++;
                if (cl.NextOffset >= cl.EndOffset) Complete(cl);
            }
            if (restored > 0) _metrics.RecordRestored(restored);
        }

        var done = new List<StreamTask>();
        foreach (var group in _changelogs.Values.GroupBy(c => c.Task).ToList())
        {
            if (group.All(c => c.State == ChangelogState.Completed))
            {
                foreach (var cl in group)
                {
                    _changelogs.Remove(cl.Partition);
                    _completedHistory.Enqueue(cl.ToStatus());
                    if (_completedHistory.Count > 1000) _completedHistory.Dequeue();
                }
                done.Add(group.Key);
            }
        }
        return done;
    }

    public IEnumerable<StoreRestoreStatus> Status() => _completedHistory.Concat(_changelogs.Values.Select(c => c.ToStatus())).ToList();

    public void Dispose()
    {
        if (_consumer is null) return;
        try
        {
            _consumer.Close();
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Closing the restore consumer failed");
        }
        _consumer.Dispose();
        _consumer = null;
    }

    private static bool IsTransient(Error error) => !error.IsFatal && error.Code is ErrorCode.NotLeaderForPartition
        or ErrorCode.LeaderNotAvailable or ErrorCode.RequestTimedOut or ErrorCode.Local_TimedOut or ErrorCode.Local_Transport
        or ErrorCode.Local_AllBrokersDown or ErrorCode.NetworkException or ErrorCode.BrokerNotAvailable
        // The client answers this while it has no leader for the partition (the topic itself was checked at start-up).
        or ErrorCode.Local_UnknownPartition
        // A query in flight to a broker the client stops talking to (down, or gone from the metadata as the leader
        // moves): before task.timeout.ms bounded these retries it failed the thread at once, so a restore that met a
        // broker restart died where waiting would have done.
        or ErrorCode.Local_DestroyBroker;

    private void Complete(ChangelogMetadata cl)
    {
        cl.State = ChangelogState.Completed;
        _assignmentChanged = true;
        _logger.LogInformation("Task {TaskId}: store {Store} restored {Records} records from {Changelog}",
            cl.Task.Id, cl.Store.Store.Name, cl.Store.RestoredRecords, cl.Partition);
    }

    /// <summary>Restore bookkeeping of one changelog partition.</summary>
    private sealed class ChangelogMetadata(TopicPartition partition, StreamTask task, ProcessorStateManager.StoreEntry store)
    {
        public TopicPartition Partition { get; } = partition;

        public StreamTask Task { get; } = task;

        public ProcessorStateManager.StoreEntry Store { get; } = store;

        public ChangelogState State { get; set; } = ChangelogState.Registered;

        /// <summary>High watermark when restore started: restore is complete once the next offset reaches it. -1 until read.</summary>
        public long EndOffset { get; set; } = -1;

        /// <summary>When (ms) the first transient error reading the end offset came, -1 before any (once per registration).</summary>
        public long TransientSinceMs { get; set; } = -1;

        /// <summary>Next changelog offset to replay (the restore consumer's position for this partition).</summary>
        public long NextOffset { get; set; }

        public StoreRestoreStatus ToStatus() =>
            new(Store.Store.Name, Partition.Topic, Partition.Partition.Value, Task.Id, State, Store.RestoredRecords, EndOffset);
    }
}
