using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// One sub-topology working on one partition number: its own instance of every node and store, one bounded queue per
/// input partition, stream time, two punctuation queues, and the offsets processed since the last commit.
/// </summary>
/// <remarks>
/// Everything runs on the owning stream thread (or the TopologyTestDriver's caller). A task knows nothing of consumers
/// or producers: records are pushed in with <see cref="TryEnqueue"/>, outputs go to an <see cref="IRecordCollector"/>,
/// and committing is the thread's job (<see cref="PrepareCommit"/> flushes, then the thread commits the returned offsets,
/// then <see cref="PostCommit"/>). Stream time is the largest timestamp of the records processed so far; it does not
/// survive a restart (offset-commit metadata is not used), so after a restore it starts again from the first record.
/// </remarks>
internal sealed class StreamTask
{
    private readonly TaskSettings _settings;
    private readonly TimeProvider _time;
    private readonly IDeserializationExceptionHandler _deserializationHandler;
    private readonly StreamsMetrics _metrics;
    private readonly ILogger _logger;
    private readonly List<ProcessorNode> _nodes = new();
    private readonly List<IBackPressure> _backPressure = new();
    private readonly List<IReadOnlySet<string>> _nodeStores = new();
    private readonly Dictionary<string, ISourceNode> _sourceByTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, RecordQueue> _queues = new();
    private readonly List<RecordQueue> _queueList = new();
    private readonly Dictionary<TopicPartition, long> _committedOffsets = new();
    private readonly PunctuationQueue _streamTimePunctuations = new();
    private readonly PunctuationQueue _wallClockPunctuations = new();
    private readonly Action<PunctuationSchedule, long> _fire;
    private long _idleSinceMs = -1;

    public StreamTask(
        TaskId id, SubtopologyDefinition subtopology, IEnumerable<TopicPartition> partitions, TaskSettings settings, IRecordCollector collector,
        TimeProvider time, IDeserializationExceptionHandler deserializationHandler, StreamsMetrics metrics, ILogger logger)
    {
        Id = id;
        Subtopology = subtopology;
        _settings = settings;
        // A task of a real stream thread gets its own view of the thread's producer, so a failed delivery names it.
        Collector = collector is RecordCollector shared ? shared.ForTask(id) : collector;
        _time = time;
        _deserializationHandler = deserializationHandler;
        _metrics = metrics;
        _logger = logger;
        _fire = FirePunctuation;

        var byName = new Dictionary<string, ProcessorNode>(StringComparer.Ordinal);
        foreach (var f in subtopology.Nodes)
        {
            var node = f.Build();
            byName[f.Name] = node;
            foreach (var p in f.Parents) byName[p].Children.Add(node);
            _nodes.Add(node);
            _nodeStores.Add(f.StoreNames);
            if (node is IFlushableNode { BackPressure: { } bp }) _backPressure.Add(bp);
            if (f is ISourceNodeFactory src)
            {
                foreach (var t in src.Topics) _sourceByTopic[t.Resolve(settings.ApplicationId)] = (ISourceNode)node;
            }
        }
        foreach (var tp in partitions) AddPartition(tp);
        StateManager = new ProcessorStateManager(this, subtopology.Stores);
    }

    public TaskId Id { get; }

    public SubtopologyDefinition Subtopology { get; }

    public StreamTaskState State { get; private set; } = StreamTaskState.Created;

    public string ApplicationId => _settings.ApplicationId;

    public IRecordCollector Collector { get; }

    /// <summary>See <see cref="TaskSettings.DeferDeletesUntilCommit"/>.</summary>
    public bool DefersDeletesUntilCommit => _settings.DeferDeletesUntilCommit;

    public ProcessorStateManager StateManager { get; }

    /// <summary>Largest timestamp (ms) of the records processed; -1 before the first.</summary>
    public long StreamTimeMs { get; private set; } = -1;

    /// <summary>
    /// The task's wall clock as processors see it (<c>CurrentSystemTimeMs</c>): the runtime's clock minus the time the
    /// task spent paused by back-pressure (<see cref="ExcludeFromWallClock"/>). While paused it stands still, so a
    /// wall-clock rule ("no span for the gap") does not fire on resume for records that waited unread in Kafka only
    /// because of the pause. While a record is processed it is the time the stream thread read before its processing
    /// phase, passed to <see cref="Process"/>; otherwise the clock, read now.
    /// </summary>
    /// <remarks>
    /// Kafka Streams caches the system time the same way (once per loop iteration): a processor that asks for it per
    /// record then costs no clock read (the book job's assembler asked once per span: a few % of the stream thread,
    /// and a lock per read under the test driver's fake clock). The value is at most one processing phase old.
    /// </remarks>
    public long WallClockMs =>
        (_processingWallClockMs >= 0 ? _processingWallClockMs : _time.GetUtcNow().ToUnixTimeMilliseconds()) - _pausedMs;

    private long _processingWallClockMs = -1;
    private long _pausedMs;

    /// <summary>Back-pressure held the task for <paramref name="ms"/> more: its wall clock does not count that time.</summary>
    public void ExcludeFromWallClock(long ms) => _pausedMs += ms;

    /// <summary>Metadata of the record being processed, null otherwise (in punctuations, between records).</summary>
    /// <remarks>
    /// Made on first use: only error paths and dead letters read it, so the per-record loop allocates none (issue 21).
    /// </remarks>
    public RecordMetadata? CurrentMetadata =>
        _currentMetadata ??= CurrentRecord is { } r ? new RecordMetadata(r.Topic, r.Partition.Value, r.Offset.Value) : null;

    private RecordMetadata? _currentMetadata;

    /// <summary>Timestamp used for changelog appends: the current record's, or the punctuation time.</summary>
    public long CurrentTimestampMs { get; private set; }

    /// <summary>True when records were processed since the last commit.</summary>
    public bool CommitNeeded { get; private set; }

    /// <summary>
    /// True when the task processed or sent anything since the last successful commit: only such a task can have lost
    /// an output or written into an aborted transaction. The others hold exactly their committed state.
    /// </summary>
    public bool ChangedSinceCommit => CommitNeeded || Collector is TaskRecordCollector { SentSinceCommit: true };

    /// <summary>A processor called RequestCommit.</summary>
    public bool CommitRequested { get; private set; }

    public IReadOnlyCollection<TopicPartition> Partitions => _queues.Keys;

    public IEnumerable<RecordQueue> Queues => _queueList;

    public IReadOnlyDictionary<TopicPartition, long> CommittedOffsets => _committedOffsets;

    public int QueuedRecords
    {
        get
        {
            int n = 0;
            foreach (var q in _queueList) n += q.Count;
            return n;
        }
    }

    /// <summary>
    /// True while the task runs and one of its processors asks not to be fed (<see cref="IBackPressure.IsBlocked"/>):
    /// the thread then pauses its partitions instead of processing.
    /// </summary>
    public bool IsBackPressured
    {
        get
        {
            if (State != StreamTaskState.Running) return false;
            for (int i = 0; i < _backPressure.Count; i++)
            {
                if (_backPressure[i].IsBlocked) return true;
            }
            return false;
        }
    }

    public bool HasLoggedStores => StateManager.Stores.Any(s => s.ChangelogPartition is not null);

    private ConsumeResult<byte[], byte[]>? CurrentRecord { get; set; }

    public void AddPartition(TopicPartition tp)
    {
        if (_queues.ContainsKey(tp)) return;
        if (!_sourceByTopic.TryGetValue(tp.Topic, out var source)) throw new StreamsException($"task {Id}: topic '{tp.Topic}' is not an input of sub-topology {Subtopology.Id}");
        var q = new RecordQueue(tp, _settings.BufferedRecordsPerPartition) { Source = source };
        _queues[tp] = q;
        _queueList.Add(q);
    }

    /// <summary>Stops reading a partition (after its offsets were committed); its queued records are dropped, to be re-read by the next owner.</summary>
    public void RemovePartition(TopicPartition tp)
    {
        if (!_queues.Remove(tp, out var q)) return;
        _queueList.Remove(q);
        q.Detach();
        _committedOffsets.Remove(tp);
    }

    public RecordQueue? QueueOf(TopicPartition tp) => _queues.GetValueOrDefault(tp);

    /// <summary>Initialises the stores (they register for restore); the task is then restoring until <see cref="CompleteRestoration"/>.</summary>
    public void InitializeStateStores()
    {
        if (State != StreamTaskState.Created) throw new InvalidOperationException($"task {Id} is {State}, not Created");
        StateManager.InitStores();
        State = StreamTaskState.Restoring;
    }

    /// <summary>All changelogs are replayed: initialises the processors (parents first) and starts processing.</summary>
    public void CompleteRestoration()
    {
        if (State != StreamTaskState.Restoring) throw new InvalidOperationException($"task {Id} is {State}, not Restoring");
        for (int i = 0; i < _nodes.Count; i++) _nodes[i].Init(this, _nodeStores[i]);
        State = StreamTaskState.Running;
        _logger.LogInformation("Task {TaskId} is running on {Partitions}", Id, string.Join(", ", _queues.Keys));
    }

    /// <summary>Queues a polled record; false when its partition's queue is full (the caller pauses and re-reads it later).</summary>
    public bool TryEnqueue(ConsumeResult<byte[], byte[]> record)
    {
        if (!_queues.TryGetValue(record.TopicPartition, out var q))
            throw new StreamsException($"task {Id} does not own {record.TopicPartition}", null, Id, record.Topic, record.Partition.Value, record.Offset.Value);
        return q.TryEnqueue(record);
    }

    /// <summary>True when the task is running and a record may be processed now (see <c>max.task.idle.ms</c>).</summary>
    public bool IsProcessable(long wallClockNowMs) => State == StreamTaskState.Running && PickQueue(wallClockNowMs) is not null;

    /// <summary>Processes one record, if one is processable. Throws <see cref="StreamsException"/> (with the record's coordinates) if a node fails.</summary>
    public bool Process(long wallClockNowMs)
    {
        if (State != StreamTaskState.Running) return false;
        var queue = PickQueue(wallClockNowMs);
        if (queue is null) return false;
        var raw = queue.Dequeue();
        long ts = raw.Message.Timestamp.UnixTimestampMs;
        // Like Kafka Streams' wall-clock timestamp extractor fallback: a record without a valid timestamp gets the processing time.
        if (raw.Message.Timestamp.Type == TimestampType.NotAvailable || ts < 0) ts = wallClockNowMs;
        if (ts > StreamTimeMs) StreamTimeMs = ts;
        CurrentRecord = raw;
        _currentMetadata = null;
        CurrentTimestampMs = ts;
        _processingWallClockMs = wallClockNowMs;
        try
        {
            // The queue knows its source node: no lookup by topic name per record.
            queue.Source!.Process(raw, ts);
        }
        catch (Exception ex) when (ex is not StreamsException)
        {
            throw new StreamsException($"task {Id}: processing {raw.TopicPartitionOffset} failed: {ex.Message}", ex, Id, raw.Topic, raw.Partition.Value, raw.Offset.Value);
        }
        finally
        {
            CurrentRecord = null;
            _currentMetadata = null;
            _processingWallClockMs = -1;
        }
        queue.NextOffset = raw.Offset.Value + 1;
        CommitNeeded = true;
        _processedSincePublish++;
        return true;
    }

    private int _processedSincePublish;

    /// <summary>
    /// Adds the records processed since the last call to <c>streams.records.processed</c>. The caller publishes once per
    /// turn of the task, not per record: a counter with a listener (the Prometheus collector) costs a callback and a
    /// tag lookup per <c>Add</c>, as much as a small processor.
    /// </summary>
    public void PublishProcessed()
    {
        if (_processedSincePublish == 0) return;
        _metrics.RecordProcessed(_processedSincePublish);
        _processedSincePublish = 0;
    }

    public ICancellable Schedule(TimeSpan interval, PunctuationType type, IPunctuator punctuator)
    {
        ArgumentNullException.ThrowIfNull(punctuator);
        long intervalMs = (long)interval.TotalMilliseconds;
        if (intervalMs < 1) throw new ArgumentOutOfRangeException(nameof(interval), interval, "punctuation interval must be at least 1 ms");
        return type switch
        {
            PunctuationType.StreamTime => _streamTimePunctuations.Schedule(punctuator, intervalMs,
                StreamTimeMs < 0 ? PunctuationSchedule.Unanchored : StreamTimeMs + intervalMs),
            PunctuationType.WallClockTime => _wallClockPunctuations.Schedule(punctuator, intervalMs, WallClockMs + intervalMs),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown punctuation type"),
        };
    }

    /// <summary>Fires stream-time punctuations due at the current stream time.</summary>
    public bool MaybePunctuateStreamTime()
    {
        if (State != StreamTaskState.Running || StreamTimeMs < 0) return false;
        return _streamTimePunctuations.MaybePunctuate(StreamTimeMs, _fire);
    }

    /// <summary>Fires wall-clock punctuations due at <paramref name="wallClockNowMs"/> (the runtime clock; the task subtracts its paused time), whether or not records arrived.</summary>
    public bool MaybePunctuateSystemTime(long wallClockNowMs)
    {
        if (State != StreamTaskState.Running) return false;
        return _wallClockPunctuations.MaybePunctuate(wallClockNowMs - _pausedMs, _fire);
    }

    public void RequestCommit() => CommitRequested = true;

    /// <summary>
    /// Flushes stores and flushable processors, and returns the offsets to commit (next offset to read, per partition
    /// processed since the last commit). The caller must make outputs durable before committing them.
    /// </summary>
    public IReadOnlyList<TopicPartitionOffset> PrepareCommit(CancellationToken cancellationToken)
    {
        if (State != StreamTaskState.Running) return [];
        StateManager.Flush();
        foreach (var node in _nodes)
        {
            if (node is IFlushableNode { Flushable: { } flushable })
            {
                bool confirmed;
                try
                {
                    // A back-pressured processor waits a bounded time: its destination may be down for hours, and the
                    // stream thread must get back to polling long before max.poll.interval.ms.
                    if (flushable is IBackPressure bp) confirmed = bp.TryFlush(TimeSpan.FromMilliseconds(_settings.FlushTimeoutMs), cancellationToken);
                    else
                    {
                        flushable.Flush(cancellationToken);
                        confirmed = true;
                    }
                }
                catch (Exception ex)
                {
                    throw new StreamsException($"task {Id}: flush of processor '{node.Name}' failed, commit skipped: {ex.Message}", ex, Id);
                }
                if (!confirmed)
                    throw new FlushPendingException($"task {Id}: processor '{node.Name}' has not confirmed its outputs within {_settings.FlushTimeoutMs} ms; commit skipped, offsets stay at the last commit", Id);
            }
        }
        if (!CommitNeeded) return [];
        var offsets = new List<TopicPartitionOffset>(_queueList.Count);
        foreach (var q in _queueList)
        {
            if (q.NextOffset < 0) continue;
            if (!_committedOffsets.TryGetValue(q.Partition, out long done) || done != q.NextOffset) offsets.Add(new TopicPartitionOffset(q.Partition, q.NextOffset));
        }
        return offsets;
    }

    /// <summary>
    /// A commit covering everything this task forwarded so far succeeded (called for every running task, whether or
    /// not it had offsets to commit): sends the changelog deletes held until now.
    /// </summary>
    public void OnCommitted()
    {
        if (State != StreamTaskState.Running) return;
        // Cleared before the deletes go out: they are sent after the commit and belong to the next one.
        if (Collector is TaskRecordCollector own) own.MarkCommitted();
        StateManager.SendDeferredDeletes();
    }

    /// <summary>The offsets from <see cref="PrepareCommit"/> are committed.</summary>
    public void PostCommit()
    {
        foreach (var q in _queueList)
        {
            if (q.NextOffset >= 0) _committedOffsets[q.Partition] = q.NextOffset;
        }
        CommitNeeded = false;
        CommitRequested = false;
    }

    /// <summary>
    /// Closes processors and stores. Clean or not is the caller's business (a clean close commits first); closing never
    /// throws, failures are logged, because the task is being discarded either way.
    /// </summary>
    public void Close()
    {
        if (State == StreamTaskState.Closed) return;
        if (State == StreamTaskState.Running)
        {
            foreach (var node in _nodes)
            {
                try
                {
                    node.Close();
                }
                catch (Exception ex)
                {
                    _logger.LogWarning(ex, "Task {TaskId}: closing node {Node} failed", Id, node.Name);
                }
            }
        }
        try
        {
            StateManager.Close();
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Task {TaskId}: closing stores failed", Id);
        }
        foreach (var q in _queueList) q.Detach();
        State = StreamTaskState.Closed;
    }

    /// <summary>Sends the record being processed to the dead-letter topic (<see cref="IDeadLetterContext"/>).</summary>
    public void DeadLetterCurrent(string reason, string? kind)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var raw = CurrentRecord ?? throw new InvalidOperationException(
            $"task {Id}: DeadLetter can only be called while a record is processed (not in Init, Close or a punctuation)");
        SendToDeadLetter(raw, reason, kind);
    }

    /// <summary>Applies the deserialization handler to a record a source could not deserialize.</summary>
    public void HandleDeserializationError(string sourceName, ConsumeResult<byte[], byte[]> raw, Exception exception)
    {
        var context = new DeserializationErrorContext(Id, sourceName, raw.Topic, raw.Partition.Value, raw.Offset.Value, raw.Message.Key, raw.Message.Value);
        DeserializationHandlerResponse response;
        try
        {
            response = _deserializationHandler.Handle(context, exception);
        }
        catch (Exception handlerError)
        {
            throw new StreamsException($"task {Id}: the deserialization handler threw for {raw.TopicPartitionOffset}: {handlerError.Message}",
                new AggregateException(exception, handlerError), Id, raw.Topic, raw.Partition.Value, raw.Offset.Value);
        }
        switch (response)
        {
            case DeserializationHandlerResponse.DeadLetter:
                SendToDeadLetter(raw, exception.Message, "deserialization");
                break;
            case DeserializationHandlerResponse.Continue:
                _metrics.RecordSkipped();
                _logger.LogWarning(exception, "Task {TaskId}: skipping record {Coordinates} that source {Source} could not deserialize",
                    Id, raw.TopicPartitionOffset, sourceName);
                break;
            default:
                throw new StreamsException(
                    $"task {Id}: source '{sourceName}' could not deserialize {raw.TopicPartitionOffset} and the deserialization handler chose to fail: {exception.Message}",
                    exception, Id, raw.Topic, raw.Partition.Value, raw.Offset.Value);
        }
    }

    private void SendToDeadLetter(ConsumeResult<byte[], byte[]> raw, string reason, string? kind)
    {
        var headers = new Headers();
        if (raw.Message.Headers is { } original)
        {
            foreach (var h in original) headers.Add(h.Key, h.GetValueBytes());
        }
        headers.Add(DeadLetterHeaders.SourceTopic, Encoding.UTF8.GetBytes(raw.Topic));
        headers.Add(DeadLetterHeaders.SourcePartition, Encoding.UTF8.GetBytes(raw.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes(raw.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DeadLetterHeaders.ErrorReason, Encoding.UTF8.GetBytes(reason));
        if (kind is not null) headers.Add(DeadLetterHeaders.ErrorKind, Encoding.UTF8.GetBytes(kind));
        long ts = raw.Message.Timestamp.UnixTimestampMs >= 0 ? raw.Message.Timestamp.UnixTimestampMs : WallClockMs;
        Collector.Send(_settings.DeadLetterTopic, null, raw.Message.Key, raw.Message.Value, ts, headers);
        _metrics.RecordDeadLettered();
        _logger.LogDebug("Task {TaskId}: dead-lettered {Coordinates} ({Kind}): {Reason}", Id, raw.TopicPartitionOffset, kind, reason);
    }

    private RecordQueue? PickQueue(long wallClockNowMs)
    {
        RecordQueue? best = null;
        int empty = 0;
        for (int i = 0; i < _queueList.Count; i++)
        {
            var q = _queueList[i];
            if (q.IsEmpty)
            {
                empty++;
                continue;
            }
            // Kafka Streams' PartitionGroup: the partition whose head record is oldest goes first.
            if (best is null || q.HeadTimestampMs < best.HeadTimestampMs) best = q;
        }
        if (best is null) return null;
        if (empty > 0 && _settings.MaxTaskIdleMs > 0)
        {
            if (_idleSinceMs < 0) _idleSinceMs = wallClockNowMs;
            if (wallClockNowMs - _idleSinceMs < _settings.MaxTaskIdleMs) return null;
        }
        else
        {
            _idleSinceMs = -1;
        }
        return best;
    }

    private void FirePunctuation(PunctuationSchedule schedule, long nowMs)
    {
        CurrentRecord = null;
        _currentMetadata = null;
        CurrentTimestampMs = nowMs;
        try
        {
            schedule.Punctuator.Punctuate(nowMs);
        }
        catch (Exception ex) when (ex is not StreamsException)
        {
            throw new StreamsException($"task {Id}: punctuator {schedule.Punctuator.GetType().Name} failed at {nowMs}: {ex.Message}", ex, Id);
        }
    }
}
