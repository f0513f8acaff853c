using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// The tasks of one stream thread: created when the group assigns partitions (cooperative-sticky, so assignments and
/// revocations are incremental), committed and closed when partitions are revoked, closed without commit when they are
/// lost, and rewound to the last commit ("revived") when a commit fails.
/// </summary>
/// <remarks>
/// Rebalance handlers run inside the thread's <c>Consume</c> call, so every method here runs on the stream thread.
/// Committing: every running task flushes (stores, flushable processors), then at_least_once flushes the producer and
/// checks each delivery before <c>Commit(offsets)</c>, while exactly_once_v2 sends the offsets to the transaction
/// and commits it. A failed delivery or an aborted transaction means outputs since the last commit may be missing, so
/// all tasks are closed and recreated from their changelogs, and their partitions sought back to the committed offsets.
/// </remarks>
internal sealed class TaskManager
{
    private readonly Dictionary<TaskId, StreamTask> _tasks = new();
    private readonly Dictionary<TopicPartition, StreamTask> _byPartition = new();
    private readonly Dictionary<string, int> _subtopologyByTopic;
    private readonly Func<TaskId, IReadOnlyList<TopicPartition>, StreamTask> _createTask;
    private readonly StoreChangelogReader _reader;
    private readonly RecordCollector _collector;
    private readonly bool _exactlyOnce;
    private readonly Offset _resetOffset;
    private readonly TimeSpan _timeout;
    private readonly StreamsMetrics _metrics;
    private readonly ILogger _logger;
    private bool _reviveNeeded;
    // Partitions this thread paused because a sink is blocked (IBackPressure), apart from the queue-full pauses of
    // RecordQueue.Paused: resuming after back-pressure must not resume a partition whose queue is still full.
    private readonly HashSet<TopicPartition> _pausedForBackPressure = new();
    private long _backPressureSinceMs = -1;

    public TaskManager(
        Dictionary<string, int> subtopologyByTopic, Func<TaskId, IReadOnlyList<TopicPartition>, StreamTask> createTask, StoreChangelogReader reader,
        RecordCollector collector, bool exactlyOnce, Offset resetOffset, TimeSpan timeout, StreamsMetrics metrics, ILogger logger)
    {
        _subtopologyByTopic = subtopologyByTopic;
        _createTask = createTask;
        _reader = reader;
        _collector = collector;
        _exactlyOnce = exactlyOnce;
        _resetOffset = resetOffset;
        _timeout = timeout;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Set right after the consumer is built (the consumer's handlers call into this object).</summary>
    public IConsumer<byte[], byte[]>? Consumer { get; set; }

    public IReadOnlyCollection<StreamTask> Tasks => _tasks.Values;

    public bool HasRestoringTasks
    {
        get
        {
            foreach (var t in _tasks.Values)
            {
                if (t.State == StreamTaskState.Restoring) return true;
            }
            return false;
        }
    }

    public bool ReviveNeeded => _reviveNeeded;

    public void HandleAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        _metrics.RecordRebalance();
        foreach (var group in partitions.GroupBy(tp => new TaskId(SubtopologyOf(tp.Topic), tp.Partition.Value)))
        {
            if (_tasks.TryGetValue(group.Key, out var existing))
            {
                foreach (var tp in group)
                {
                    existing.AddPartition(tp);
                    _byPartition[tp] = existing;
                }
                continue;
            }
            var task = _createTask(group.Key, group.ToList());
            _tasks[task.Id] = task;
            foreach (var tp in group) { _byPartition[tp] = task; _groupCommitted.TryRemove(tp, out _); } // a new owner reads the group's offset afresh
            StartTask(task);
        }
        _logger.LogInformation("Assigned {Partitions}; tasks now {Tasks}", string.Join(", ", partitions), TaskList());
    }

    public void HandleRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        _metrics.RecordRebalance();
        var affected = partitions.Where(_byPartition.ContainsKey).Select(tp => _byPartition[tp]).Distinct().ToList();
        if (affected.Count == 0) return;
        // The transaction (exactly_once_v2) or the producer flush (at_least_once) covers every task of the thread, so
        // everything is committed, not only the revoked tasks.
        bool committed, threw = false;
        try
        {
            committed = CommitAll();
        }
        catch (Exception ex) when (ex is KafkaException or StreamsException)
        {
            committed = false;
            threw = true;
            _logger.LogWarning(ex, "Commit before revoking {Partitions} failed; their next owner re-processes from the last commit", string.Join(", ", partitions));
        }
        // An uncommitted transaction holds outputs of the revoked tasks too: abort it, and rewind the tasks we keep.
        if (!committed && _exactlyOnce) AbortQuietly();
        if (committed && !_exactlyOnce)
        {
            // The commit released held changelog deletes; get them acknowledged before the next owner restores, or it
            // reopens (and emits again) what this instance already emitted.
            try
            {
                _collector.Flush();
            }
            catch (StreamsException ex)
            {
                _logger.LogWarning(ex, "Changelog deletes of {Partitions} were not acknowledged before the hand-over; their next owner may emit some entries again", string.Join(", ", partitions));
            }
        }
        foreach (var tp in partitions)
        {
            if (_byPartition.Remove(tp, out var task)) ReleasePartition(task, tp);
        }
        foreach (var task in affected)
        {
            if (task.Partitions.Count == 0) CloseTask(task);
        }
        if (!committed && (_exactlyOnce || threw)) _reviveNeeded = true;
        if (_tasks.Count == 0) _reviveNeeded = false;
        _logger.LogInformation("Revoked {Partitions}; tasks now {Tasks}", string.Join(", ", partitions), TaskList());
    }

    public void HandleLost(IReadOnlyList<TopicPartition> partitions)
    {
        _metrics.RecordRebalance();
        _logger.LogWarning("Lost {Partitions} (fell out of the group); closing their tasks without committing", string.Join(", ", partitions));
        if (_exactlyOnce && _collector.InTransaction)
        {
            // The open transaction holds outputs of the lost tasks; abort it and rewind the tasks we keep.
            AbortQuietly();
            _reviveNeeded = true;
        }
        foreach (var tp in partitions)
        {
            if (_byPartition.Remove(tp, out var task)) ReleasePartition(task, tp);
        }
        foreach (var task in _tasks.Values.Where(t => t.Partitions.Count == 0).ToList()) CloseTask(task);
        if (_tasks.Count == 0) _reviveNeeded = false;
    }

    /// <summary>
    /// Queues a polled record in its task. A queue that fills up stops the poll (<see cref="InputFull"/>) rather than
    /// pausing its partition; a record that finds its queue full anyway is refused, and its partition paused and
    /// rewound to it.
    /// </summary>
    public void Route(ConsumeResult<byte[], byte[]> record)
    {
        // Polls return runs of one partition: the queue of the last record is checked first (an int and a short string
        // compared), before ConsumeResult.TopicPartition (a new object on every read) is hashed into the partition map.
        // A queue taken from its task (revoked, lost, task closed or revived) is Detached and never reused.
        var queue = _lastRouted;
        if (queue is null || queue.Detached || queue.Partition.Partition.Value != record.Partition.Value
            || !string.Equals(queue.Partition.Topic, record.Topic, StringComparison.Ordinal))
        {
            var tp = record.TopicPartition;
            if (!_byPartition.TryGetValue(tp, out var task))
            {
                _logger.LogDebug("Dropping {Coordinates}: no task owns the partition", record.TopicPartitionOffset);
                return;
            }
            queue = task.QueueOf(tp)!;
            _lastRouted = queue;
        }
        _consumedSincePublish++;
        if (!queue.TryEnqueue(record))
        {
            Pause(queue);
            if (!queue.Rewound)
            {
                // Read it again after resume rather than growing the queue.
                Consumer!.Seek(record.TopicPartitionOffset);
                queue.Rewound = true;
                _logger.LogDebug("Queue of {Partition} full: paused and rewound to {Offset}", queue.Partition, record.Offset);
            }
            return;
        }
        if (queue.IsFull) _fullQueue = queue;
    }

    /// <summary>
    /// True while the queue that filled last is above half full and its task can drain it now: the thread then does
    /// not consume (the records wait in librdkafka's prefetch, bounded by <c>queued.max.messages.kbytes</c>) until
    /// processing has brought it to <see cref="RecordQueue.ResumeThreshold"/>.
    /// </summary>
    /// <remarks>
    /// Why not pause the partition, as Kafka Streams does: librdkafka's pause purges the partition's prefetched
    /// messages and resume fetches them again (confluentinc/librdkafka#5343, the counterpart of KAFKA-7548). With
    /// <c>buffered.records.per.partition</c> at 1,000, a partition read faster than processed was paused and resumed
    /// every few hundred records, and the consumer's fetcher decompressed and parsed each batch several times over:
    /// on the book job its thread used 2.5 µs of CPU per span against 0.5 µs for a bare consumer of the same topic.
    /// A full queue whose task cannot drain it now (restoring, waiting out <c>max.task.idle.ms</c> for another
    /// partition) is paused instead, so that the thread keeps polling (rebalances, max.poll.interval.ms).
    /// Only the last queue to fill is watched: no record is consumed while it is above half full, so no other queue
    /// can fill meanwhile, and one that filled before it had drained to half already.
    /// </remarks>
    public bool InputFull(long wallClockNowMs)
    {
        var queue = _fullQueue;
        if (queue is null) return false;
        if (queue.Detached || queue.Count <= queue.ResumeThreshold)
        {
            _fullQueue = null;
            return false;
        }
        if (_byPartition.TryGetValue(queue.Partition, out var task) && task.IsProcessable(wallClockNowMs)) return true;
        _fullQueue = null;
        Pause(queue);
        return false;
    }

    private RecordQueue? _fullQueue;

    /// <summary>A queue filled since <see cref="InputFull"/> last found none above half: a check without a clock read.</summary>
    public bool QueueFilled => _fullQueue is not null;

    /// <summary>
    /// Adds the records routed since the last call to <c>streams.records.consumed</c>: the stream thread calls it once
    /// per poll, so the counter (and any listener of it) costs once per batch instead of once per record.
    /// </summary>
    public void PublishConsumed()
    {
        if (_consumedSincePublish == 0) return;
        _metrics.RecordConsumed(_consumedSincePublish);
        _consumedSincePublish = 0;
    }

    private int _consumedSincePublish;
    private RecordQueue? _lastRouted;

    /// <summary>Processes records round-robin over running tasks, up to <paramref name="maxRecords"/>; fires stream-time punctuations after each.</summary>
    public int Process(long wallClockNowMs, int maxRecords, int maxPerTaskTurn = 100)
    {
        int total = 0;
        bool progress = true;
        while (progress && total < maxRecords)
        {
            progress = false;
            foreach (var task in _tasks.Values)
            {
                // A blocked sink stops the whole phase (the sinks are shared by the thread's tasks); see ApplyBackPressure.
                if (task.IsBackPressured) return total;
                int n = 0;
                try
                {
                    while (n < maxPerTaskTurn && task.Process(wallClockNowMs))
                    {
                        n++;
                        task.MaybePunctuateStreamTime();
                    }
                }
                finally
                {
                    task.PublishProcessed();
                }
                if (n > 0)
                {
                    progress = true;
                    total += n;
                }
            }
        }
        return total;
    }

    public bool HasProcessableRecords(long wallClockNowMs)
    {
        foreach (var t in _tasks.Values)
        {
            if (t.IsProcessable(wallClockNowMs)) return true;
        }
        return false;
    }

    public void PunctuateWallClock(long wallClockNowMs)
    {
        foreach (var task in _tasks.Values)
        {
            // One punctuation may emit many outputs (every trace whose gap expired): once a sink is blocked, the other
            // tasks' punctuations wait for the resume, so the overshoot past the sink's pause mark stays one task's.
            if (task.IsBackPressured) return;
            task.MaybePunctuateSystemTime(wallClockNowMs);
        }
    }

    public bool CommitRequested => _tasks.Values.Any(t => t.CommitRequested);

    /// <summary>True between the iteration that found a task back-pressured and the one that found none.</summary>
    public bool BackPressured => _backPressureSinceMs >= 0;

    /// <summary>
    /// Back-pressure (<see cref="IBackPressure"/>): while any running task has a blocked processor, pauses every owned
    /// partition not paused yet (so partitions assigned during the pause are paused too) and adds the time since the
    /// last call to <c>streams.backpressure</c>; once none is blocked, resumes what it paused (except partitions whose
    /// queue is still full: <see cref="ResumeDrained"/> resumes those). Returns true while blocked: the thread then
    /// polls but does not process, punctuate or commit.
    /// </summary>
    public bool ApplyBackPressure(long wallClockNowMs)
    {
        bool blocked = false;
        foreach (var task in _tasks.Values)
        {
            if (task.IsBackPressured)
            {
                blocked = true;
                break;
            }
        }
        if (blocked)
        {
            List<TopicPartition>? pause = null;
            foreach (var tp in _byPartition.Keys)
            {
                if (_pausedForBackPressure.Add(tp)) (pause ??= new()).Add(tp);
            }
            if (pause is not null)
            {
                Consumer!.Pause(pause);
                _metrics.RecordPausedPartitions(pause.Count);
                _logger.Log(_backPressureSinceMs < 0 ? LogLevel.Warning : LogLevel.Information,
                    "A sink cannot take more documents: paused {Partitions}; polling continues, offsets stay at the last commit until it drains",
                    string.Join(", ", pause));
            }
            if (_backPressureSinceMs >= 0) RecordBackPressure(wallClockNowMs);
            _backPressureSinceMs = wallClockNowMs;
            return true;
        }
        if (_backPressureSinceMs >= 0)
        {
            RecordBackPressure(wallClockNowMs);
            _backPressureSinceMs = -1;
        }
        if (_pausedForBackPressure.Count == 0) return false;
        var resume = new List<TopicPartition>(_pausedForBackPressure.Count);
        foreach (var tp in _pausedForBackPressure)
        {
            if (_byPartition.TryGetValue(tp, out var owner) && owner.QueueOf(tp) is { Paused: false }) resume.Add(tp);
        }
        if (resume.Count > 0) Consumer!.Resume(resume);
        _metrics.RecordPausedPartitions(-_pausedForBackPressure.Count);
        _pausedForBackPressure.Clear();
        _logger.LogInformation("The sinks take documents again: resumed {Partitions}", string.Join(", ", resume));
        return false;
    }

    /// <summary>Counts the time since the last check as paused, on the metric and on every task's wall clock.</summary>
    private void RecordBackPressure(long wallClockNowMs)
    {
        long ms = Math.Max(0, wallClockNowMs - _backPressureSinceMs);
        if (ms == 0) return;
        _metrics.RecordBackPressure(ms);
        foreach (var task in _tasks.Values) task.ExcludeFromWallClock(ms);
    }

    /// <summary>
    /// A partition leaves this thread (revoked or lost): it is resumed if this thread paused it, because librdkafka
    /// keeps a partition's pause across a rebalance, so one assigned back later would stay paused with nobody to resume it.
    /// </summary>
    private void ReleasePartition(StreamTask task, TopicPartition tp)
    {
        bool queuePaused = task.QueueOf(tp) is { Paused: true };
        task.RemovePartition(tp);
        ForgetBackPressurePause(tp, resumed: false, queuePaused);
    }

    private void ForgetBackPressurePause(TopicPartition tp, bool resumed, bool queuePaused = false)
    {
        bool pausedHere = _pausedForBackPressure.Remove(tp);
        if (pausedHere) _metrics.RecordPausedPartitions(-1);
        if (resumed || !(pausedHere || queuePaused)) return;
        try
        {
            Consumer?.Resume([tp]);
        }
        catch (KafkaException ex)
        {
            _logger.LogDebug("Resuming {Partition} as it leaves failed: {Error}", tp, ex.Error);
        }
    }

    /// <summary>Resumes partitions whose queues drained below half.</summary>
    public void ResumeDrained()
    {
        foreach (var task in _tasks.Values)
        {
            foreach (var q in task.Queues)
            {
                if (q.Paused && q.Count <= q.ResumeThreshold)
                {
                    Consumer!.Resume([q.Partition]);
                    _logger.LogDebug("Resumed {Partition} ({Queued} queued)", q.Partition, q.Count);
                    q.Paused = false;
                    q.Rewound = false;
                }
            }
        }
    }

    /// <summary>
    /// Commits every running task. Returns false when the commit failed in a way that is retried or repaired (then
    /// <see cref="ReviveNeeded"/> says whether the tasks must rewind); throws on fatal producer or consumer errors.
    /// </summary>
    public bool CommitAll()
    {
        var offsets = new List<TopicPartitionOffset>();
        var committing = new List<StreamTask>();
        try
        {
            foreach (var task in _tasks.Values)
            {
                if (task.State != StreamTaskState.Running) continue;
                bool needed = task.CommitNeeded;
                offsets.AddRange(task.PrepareCommit(CancellationToken.None));
                if (needed) committing.Add(task);
            }
        }
        catch (StreamsException ex)
        {
            // A store or IFlushable processor could not flush: skip this commit; the next one retries (IFlushable's contract).
            return FailCommit(ex, revive: false);
        }
        if (_exactlyOnce)
        {
            if (!_collector.InTransaction && offsets.Count == 0) return true;
            try
            {
                _collector.CommitTransaction(offsets, Consumer!.ConsumerGroupMetadata);
            }
            catch (KafkaException ex) when (ex is KafkaTxnRequiresAbortException || (ex is not KafkaRetriableException && !ex.Error.IsFatal))
            {
                return FailCommit(ex, revive: true);
            }
            catch (KafkaRetriableException ex)
            {
                return FailCommit(ex, revive: false);
            }
            catch (StreamsException ex)
            {
                return FailCommit(ex, revive: true);
            }
        }
        else
        {
            try
            {
                _collector.Flush();
            }
            catch (StreamsException ex)
            {
                return FailCommit(ex, revive: true);
            }
            if (offsets.Count > 0)
            {
                try
                {
                    Consumer!.Commit(offsets);
                }
                catch (KafkaException ex) when (!ex.Error.IsFatal)
                {
                    // Typically a rebalance in progress: the offsets stay pending and the next commit retries them.
                    return FailCommit(ex, revive: false);
                }
            }
        }
        foreach (var task in committing) task.PostCommit();
        // Outputs are durable and offsets committed: deletes held until now may be logged (at_least_once).
        foreach (var task in _tasks.Values) task.OnCommitted();
        _metrics.RecordCommit();
        return true;
    }

    /// <summary>
    /// After a failed commit: closes the affected tasks without committing, recreates them (restoring their stores) and
    /// seeks their partitions to the committed offsets. The other tasks keep running on their state as it is.
    /// </summary>
    /// <remarks>
    /// Affected: under at_least_once, the tasks whose deliveries failed (their outputs since the last commit may be lost;
    /// everyone else's were acknowledged and are committed by the next commit), or, when the failure cannot be traced to
    /// a task (a flush that timed out, a commit that threw), every task that changed since the last commit. Under
    /// exactly_once_v2 the aborted transaction held the writes of every task that changed since the last commit. A task
    /// that neither processed nor sent anything since then holds exactly its committed state: it is never re-restored.
    /// </remarks>
    public void ReviveTasks()
    {
        if (!_reviveNeeded) return;
        _reviveNeeded = false;
        var consumer = Consumer!;
        var old = TasksToRevive();
        _collector.ClearError();
        if (old.Count == 0)
        {
            _logger.LogInformation("Commit failed but no task changed since the last commit: nothing to rewind");
            return;
        }
        var partitions = old.SelectMany(t => t.Partitions).ToList();
        _logger.LogWarning("Rewinding tasks {Tasks} to their last committed offsets", string.Join(", ", old.Select(t => t.Id)));
        var paused = old.SelectMany(t => t.Queues).Where(q => q.Paused).Select(q => q.Partition).ToList();
        foreach (var task in old) CloseTask(task);
        if (partitions.Count == 0) return;
        var committed = consumer.Committed(partitions, _timeout);
        foreach (var tpo in committed)
        {
            consumer.Seek(tpo.Offset.IsSpecial ? new TopicPartitionOffset(tpo.TopicPartition, _resetOffset) : tpo);
        }
        if (paused.Count > 0)
        {
            consumer.Resume(paused);
            // Resumed here: if a sink is still blocked, ApplyBackPressure pauses them again.
            foreach (var tp in paused) ForgetBackPressurePause(tp, resumed: true);
        }
        HandleAssignedWithoutMetrics(partitions);
    }

    private List<StreamTask> TasksToRevive()
    {
        var changed = _tasks.Values.Where(t => t.ChangedSinceCommit).ToList();
        if (_exactlyOnce) return changed;
        var failed = _collector.FailedTasks();
        if (failed is null || failed.Count == 0) return changed;
        return _tasks.Values.Where(t => failed.Contains(t.Id)).ToList();
    }

    /// <summary>Shutdown: commits (if <paramref name="clean"/>) and closes every task.</summary>
    public void CloseAll(bool clean)
    {
        if (clean && _tasks.Count > 0)
        {
            try
            {
                // The final commit releases held changelog deletes (at_least_once). As on revocation, get them
                // acknowledged before the producer closes: otherwise the next owner restores, and emits again, entries
                // this instance already emitted.
                if (!CommitAll()) _logger.LogWarning("Final commit failed; the next owner re-processes from the last commit");
                else if (!_exactlyOnce) _collector.Flush();
            }
            catch (Exception ex) when (ex is KafkaException or StreamsException)
            {
                _logger.LogWarning(ex, "Final commit failed; the next owner re-processes from the last commit");
            }
        }
        if (_exactlyOnce) AbortQuietly();
        foreach (var task in _tasks.Values.ToList()) CloseTask(task);
    }

    /// <summary>Notifies the reader of finished restores and starts those tasks.</summary>
    public void CompleteRestorations(IEnumerable<StreamTask> restored)
    {
        foreach (var task in restored)
        {
            if (task.State == StreamTaskState.Restoring) task.CompleteRestoration();
        }
    }

    public IReadOnlyList<PartitionStatus> PartitionStatus()
    {
        var result = new List<PartitionStatus>();
        var consumer = Consumer;
        foreach (var task in _tasks.Values)
        {
            foreach (var q in task.Queues)
            {
                long committed = task.CommittedOffsets.TryGetValue(q.Partition, out long c) ? c : -1;
                long? lag = null;
                if (consumer is not null)
                {
                    try
                    {
                        var wm = consumer.GetWatermarkOffsets(q.Partition);
                        long from = committed >= 0 ? committed : consumer.Position(q.Partition).Value;
                        // Nothing committed by this task nor consumed yet: the group's committed offset (an owner that
                        // took over a caught-up partition has nothing to fetch, so its position stays unknown), else
                        // the low watermark (a fresh group, auto.offset.reset=earliest). So the lag is known and the
                        // series exists from start instead of appearing with the first record.
                        if (from < 0) from = GroupCommitted(consumer, q.Partition);
                        if (from < 0 && wm.High.Value >= 0) from = Math.Max(0, wm.Low.Value);
                        if (wm.High.Value >= 0 && from >= 0) lag = Math.Max(0, wm.High.Value - from);
                    }
                    catch (KafkaException)
                    {
                        // Watermarks are unknown until the first fetch response.
                    }
                }
                result.Add(new PartitionStatus(q.Partition.Topic, q.Partition.Partition.Value, task.Id, committed, lag, q.Count, q.Paused));
            }
        }
        return result;
    }

    // The group's committed offset per partition, read once (a broker round trip) for partitions this instance owns
    // but has neither consumed nor committed; read by the metrics thread only.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<TopicPartition, long> _groupCommitted = new();

    private long GroupCommitted(IConsumer<byte[], byte[]> consumer, TopicPartition partition)
    {
        if (_groupCommitted.TryGetValue(partition, out long known)) return known;
        long offset = -1;
        try
        {
            foreach (var c in consumer.Committed([partition], TimeSpan.FromSeconds(1)))
                if (c.Offset.Value >= 0) offset = c.Offset.Value;
        }
        catch (KafkaException)
        {
            return -1; // asked again at the next scrape
        }
        _groupCommitted[partition] = offset;
        return offset;
    }

    private void HandleAssignedWithoutMetrics(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var group in partitions.GroupBy(tp => new TaskId(SubtopologyOf(tp.Topic), tp.Partition.Value)))
        {
            var task = _createTask(group.Key, group.ToList());
            _tasks[task.Id] = task;
            foreach (var tp in group) { _byPartition[tp] = task; _groupCommitted.TryRemove(tp, out _); } // a new owner reads the group's offset afresh
            StartTask(task);
        }
    }

    private static bool IsRebalanceInProgress(Exception ex) =>
        ex is KafkaException { Error.Code: ErrorCode.RebalanceInProgress };

    private bool FailCommit(Exception ex, bool revive)
    {
        _metrics.RecordCommitFailure();
        if (ex is FlushPendingException)
        {
            // A sink is still waiting for its destination: expected during an outage, and retried at the next interval.
            _logger.LogInformation("Commit postponed: {Error}", ex.Message);
            return false;
        }
        if (!revive && IsRebalanceInProgress(ex))
        {
            // Expected while the group rebalances (another thread or instance joins or leaves): no stack trace, no warning.
            _logger.LogInformation("Commit postponed until the group rebalance completes: {Error}", ex.Message);
            return false;
        }
        _logger.LogWarning(ex, "Commit failed{Action}: {Error}", revive ? "; rewinding tasks to the last commit" : "; will retry", ex.Message);
        if (revive)
        {
            if (_exactlyOnce) AbortQuietly();
            _reviveNeeded = true;
        }
        return false;
    }

    private void AbortQuietly()
    {
        try
        {
            _collector.AbortTransaction();
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            _logger.LogWarning(ex, "Aborting the transaction failed");
        }
    }

    private void StartTask(StreamTask task)
    {
        task.InitializeStateStores();
        if (task.HasLoggedStores) _reader.Register(task);
        else task.CompleteRestoration();
    }

    private void CloseTask(StreamTask task)
    {
        _reader.Unregister(task);
        foreach (var tp in task.Partitions.ToList()) _byPartition.Remove(tp);
        task.Close();
        _tasks.Remove(task.Id);
    }

    private void Pause(RecordQueue queue)
    {
        if (queue.Paused) return;
        Consumer!.Pause([queue.Partition]);
        queue.Paused = true;
        _logger.LogDebug("Paused {Partition} ({Queued} queued)", queue.Partition, queue.Count);
    }

    private string TaskList() => string.Join(", ", _tasks.Keys.OrderBy(k => k.Subtopology).ThenBy(k => k.Partition));

    private int SubtopologyOf(string topic) =>
        _subtopologyByTopic.TryGetValue(topic, out int id) ? id : throw new StreamsException($"assigned topic '{topic}' is not a source of the topology");
}
