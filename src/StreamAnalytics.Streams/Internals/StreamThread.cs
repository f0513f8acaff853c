using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// One processing thread of one sub-topology: a consumer in that sub-topology's group (see
/// <see cref="ClientConfigs.GroupId"/>), a producer (transactional under exactly_once_v2, committing the offsets of
/// that group), a restore consumer and the tasks of the partitions the group gave it. The loop: poll (rebalance handlers run inside), restore a batch,
/// process round-robin, fire wall-clock punctuations, resume drained partitions, commit when due.
/// </summary>
/// <remarks>
/// Wall-clock punctuations are checked on every iteration, including idle polls (which block at most <c>poll.ms</c>), so
/// quiet partitions still flush. All clocks come from the injected <see cref="TimeProvider"/>; only the shutdown bound
/// uses real elapsed time (a manual clock must not make shutdown hang). A fatal error stops the thread: its tasks are
/// closed without committing, and the instance goes to Error.
/// </remarks>
internal sealed class StreamThread
{
    private const int MaxRecordsPerPoll = 1000;
    private const int MaxRecordsPerProcessPhase = 1000;

    private readonly StreamsConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StreamsMetrics _metrics;
    private readonly Action<StreamThread, StreamThreadState, StreamThreadState> _onStateChange;
    private readonly IReadOnlyList<string> _sourceTopics;
    private readonly string? _singleSourceTopic;
    private readonly TaskManager _taskManager;
    private readonly StoreChangelogReader _reader;
    private readonly RecordCollector _collector;
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _statusLock = new();
    private readonly CountdownEvent? _finalCommits;
    private readonly LegacyGroupOffsets? _legacyOffsets;
    private Thread? _thread;
    private volatile bool _stopRequested;
    private long _shutdownDeadlineTicks;
    private long _lastCommitMs;
    private bool _hadAssignment;
    private IReadOnlyList<PartitionStatus> _partitionStatus = [];
    private IReadOnlyList<StoreRestoreStatus> _restoreStatus = [];

    public StreamThread(
        int index, int subtopology, Topology topology, StreamsConfig config, string processId, TimeProvider time, ILoggerFactory loggerFactory,
        IDeserializationExceptionHandler deserializationHandler, StreamsMetrics metrics, Action<StreamThread, StreamThreadState, StreamThreadState> onStateChange,
        CountdownEvent? finalCommits = null, int? topicLimit = null)
    {
        Index = index;
        Subtopology = subtopology;
        _finalCommits = finalCommits;
        _config = config;
        _time = time;
        _metrics = metrics;
        _onStateChange = onStateChange;
        string appId = config.ApplicationId!;
        Name = $"{config.ClientId ?? appId}-StreamThread-{index}";
        _logger = loggerFactory.CreateLogger($"StreamAnalytics.Streams.StreamThread.{index}");
        var timeout = TimeSpan.FromMilliseconds(config.CommitTimeoutMs);
        bool eos = config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2;

        // Only this sub-topology's topics: its group then balances its tasks alone (per-subtopology groups, see ClientConfigs.GroupId).
        var subtopologyByTopic = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in topology.Subtopologies[subtopology].SourceTopics) subtopologyByTopic[t.Resolve(appId)] = subtopology;
        _sourceTopics = subtopologyByTopic.Keys.ToList();

        // EOS v2: one transactional id per thread; the process id keeps two instances of one application apart.
        string? transactionalId = eos ? $"{appId}-{processId}-{index}" : null;
        var producer = new ProducerBuilder<byte[], byte[]>(ClientConfigs.Producer(config, Name + "-producer", transactionalId, topicLimit))
            .SetErrorHandler((_, e) => LogClientError("producer", e))
            .Build();
        _collector = new RecordCollector(producer, eos, timeout, _logger, metrics, appId + DeadLetterHeaders.TopicSuffix);

        var restoreConfig = ClientConfigs.RestoreConsumer(config, Name + "-restore-consumer");
        _reader = new StoreChangelogReader(
            () => new ConsumerBuilder<byte[], byte[]>(restoreConfig).SetErrorHandler((_, e) => LogClientError("restore consumer", e)).Build(),
            timeout, metrics, _logger, time, config.TaskTimeoutMs);

        // One source topic (the usual case): records come without their topic name and PollBatch sets this one.
        _singleSourceTopic = _sourceTopics.Count == 1 ? _sourceTopics[0] : null;
        var consumerConfig = ClientConfigs.MainConsumer(config, Name + "-consumer", subtopology, _singleSourceTopic is not null);
        // A commit waits for a back-pressured sink at most a quarter of max.poll.interval.ms (librdkafka's default 5 min):
        // the member must poll again long before librdkafka leaves the group on its behalf.
        int flushTimeoutMs = Math.Max(1, Math.Min(config.CommitTimeoutMs, (consumerConfig.MaxPollIntervalMs ?? 300_000) / 4));
        var settings = TaskSettings.From(config) with { DeferDeletesUntilCommit = !eos, FlushTimeoutMs = flushTimeoutMs };
        _taskManager = new TaskManager(
            subtopologyByTopic,
            (id, partitions) => new StreamTask(id, topology.Subtopologies[id.Subtopology], partitions, settings, _collector, time, deserializationHandler, metrics,
                loggerFactory.CreateLogger("StreamAnalytics.Streams.StreamTask")),
            _reader, _collector, eos, ClientConfigs.ResetOffset(consumerConfig), timeout, metrics, _logger);
        _consumer = new ConsumerBuilder<byte[], byte[]>(consumerConfig)
            .SetErrorHandler((_, e) => LogClientError("consumer", e))
            .SetLogHandler((_, m) => _logger.LogDebug("{Thread} consumer [{Facility}] {Message}", Name, m.Facility, m.Message))
            .SetPartitionsAssignedHandler((consumer, partitions) => OnAssigned(consumer, partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => OnLost(partitions))
            .Build();
        _taskManager.Consumer = _consumer;
        if (subtopology > 0)
            _legacyOffsets = new LegacyGroupOffsets(consumerConfig.GroupId, ClientConfigs.LegacyOffsetLookup(config, Name + "-offset-lookup"), timeout, _logger);
    }

    public int Index { get; }

    /// <summary>The sub-topology whose tasks this thread runs.</summary>
    public int Subtopology { get; }

    public string Name { get; }

    public StreamThreadState State { get; private set; } = StreamThreadState.Created;

    public Exception? FatalError { get; private set; }

    /// <summary>Completes when the thread has released its clients.</summary>
    public Task Completion => _completion.Task;

    public IReadOnlyList<PartitionStatus> PartitionStatusSnapshot
    {
        get
        {
            lock (_statusLock) return _partitionStatus;
        }
    }

    public IReadOnlyList<StoreRestoreStatus> RestoreStatusSnapshot
    {
        get
        {
            lock (_statusLock) return _restoreStatus;
        }
    }

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = Name };
        _thread.Start();
    }

    /// <summary>Asks the loop to stop; it drains queued records for half of <paramref name="budget"/>, commits, and leaves the group.</summary>
    public void RequestStop(TimeSpan budget)
    {
        Interlocked.Exchange(ref _shutdownDeadlineTicks, Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency));
        _stopRequested = true;
    }

    private void Run()
    {
        bool clean = true;
        try
        {
            _collector.InitTransactions();
            _consumer.Subscribe(_sourceTopics);
            SetState(StreamThreadState.Starting);
            _lastCommitMs = NowMs();
            while (!_stopRequested) RunOnce();
            SetState(StreamThreadState.PendingShutdown);
            Drain();
        }
        catch (Exception ex)
        {
            clean = false;
            FatalError = ex;
            _logger.LogError(ex, "Stream thread {Thread} failed: {Error}", Name, ex.Message);
        }
        finally
        {
            Shutdown(clean);
            lock (_statusLock) _partitionStatus = [];
            SetState(StreamThreadState.Dead);
            _completion.TrySetResult();
        }
    }

    internal void RunOnce()
    {
        long now = NowMs();
        // Back-pressure (IBackPressure): while a sink is blocked the partitions are paused and the loop only polls (so
        // the member stays in the group), restores and waits; no processing, no wall-clock punctuation, no commit.
        bool blocked = _taskManager.ApplyBackPressure(now);
        bool busy = (!blocked && _taskManager.HasProcessableRecords(now)) || _reader.HasRestoring;
        // A full input queue stops consumption until processing drains it (TaskManager.InputFull): no poll then. Under
        // back-pressure the thread polls whatever the queues hold (its partitions are paused), to stay in the group.
        if (blocked || !_taskManager.InputFull(now)) Poll(busy ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_config.PollMs));
        if (_taskManager.ReviveNeeded) _taskManager.ReviveTasks();
        // Partitions assigned by that poll are paused at once, and tasks it created see a sink that is already blocked.
        blocked = _taskManager.ApplyBackPressure(NowMs());

        if (_reader.HasRestoring)
        {
            var restored = _reader.Restore(_config.StateRestoreBatchRecords, TimeSpan.FromMilliseconds(Math.Min(_config.PollMs, 50)));
            _taskManager.CompleteRestorations(restored);
            UpdateStatus();
            MaybeSetRunning();
        }

        if (blocked) return;
        now = NowMs();
        _taskManager.Process(now, MaxRecordsPerProcessPhase);
        _taskManager.PunctuateWallClock(NowMs());
        _taskManager.ResumeDrained();
        MaybeCommit(force: _taskManager.CommitRequested);
    }

    private void Poll(TimeSpan timeout)
    {
        try
        {
            PollBatch(timeout);
        }
        finally
        {
            _taskManager.PublishConsumed();
        }
    }

    private void PollBatch(TimeSpan timeout)
    {
        for (int n = 0; n < MaxRecordsPerPoll; n++)
        {
            ConsumeResult<byte[], byte[]>? record;
            try
            {
                record = _consumer.Consume(timeout);
            }
            catch (ConsumeException ex) when (ex.Error.Code == ErrorCode.Local_Application && ex.InnerException is not null)
            {
                // One of our rebalance handlers threw.
                throw new StreamsException($"rebalance handling failed: {ex.InnerException.Message}", ex.InnerException);
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                _logger.LogWarning("Consume error on {Coordinates}: {Error}", ex.ConsumerRecord?.TopicPartitionOffset, ex.Error);
                return;
            }
            if (record is null) return;
            if (_singleSourceTopic is not null) record.Topic = _singleSourceTopic;
            _taskManager.Route(record);
            timeout = TimeSpan.Zero;
            // The record filled its queue: consume no more until it drains (the next iterations process it).
            if (_taskManager.QueueFilled && _taskManager.InputFull(NowMs())) return;
        }
    }

    private void MaybeCommit(bool force)
    {
        long now = NowMs();
        if (!force && now - _lastCommitMs < _config.CommitIntervalMs) return;
        _lastCommitMs = now;
        _taskManager.CommitAll();
        if (_taskManager.ReviveNeeded) _taskManager.ReviveTasks();
        UpdateStatus();
    }

    /// <summary>Processes what is queued (until the shutdown budget is half spent), then commits.</summary>
    private void Drain()
    {
        long deadline = Interlocked.Read(ref _shutdownDeadlineTicks);
        long halfway = Stopwatch.GetTimestamp() + (deadline - Stopwatch.GetTimestamp()) / 2;
        while (Stopwatch.GetTimestamp() < halfway && _taskManager.Process(NowMs(), MaxRecordsPerProcessPhase) > 0) { }
        _taskManager.CloseAll(clean: true);
    }

    private void Shutdown(bool clean)
    {
        if (!clean)
        {
            try
            {
                _taskManager.CloseAll(clean: false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Closing tasks after a failure failed");
            }
        }
        WaitForSiblingsFinalCommits(clean);
        try
        {
            // Leaves the group now instead of after session.timeout.ms; the revoked handler finds no tasks left.
            _consumer.Close();
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Closing the consumer failed");
        }
        _consumer.Dispose();
        _reader.Dispose();
        try
        {
            if (clean && _config.ProcessingGuarantee == ProcessingGuarantee.AtLeastOnce) _collector.Producer.Flush(TimeSpan.FromMilliseconds(_config.CommitTimeoutMs));
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Flushing the producer failed");
        }
        _collector.Dispose();
    }

    /// <summary>
    /// Shutdown of an instance with several threads: this thread has made its final commit (or failed) and waits, up to
    /// its shutdown deadline, for the other threads' final commits before its consumer leaves the group.
    /// </summary>
    /// <remarks>
    /// Why: leaving starts a rebalance, and a commit made during a rebalance fails (RebalanceInProgress). A thread that
    /// left first would make its siblings' final commits fail, and the next owner would process their records again.
    /// A failed thread signals and does not wait: its siblings may run on for a long time.
    /// </remarks>
    private void WaitForSiblingsFinalCommits(bool clean)
    {
        if (_finalCommits is null) return;
        _finalCommits.Signal();
        if (!clean) return;
        long ticksLeft = Interlocked.Read(ref _shutdownDeadlineTicks) - Stopwatch.GetTimestamp();
        if (ticksLeft <= 0) return;
        if (!_finalCommits.Wait(TimeSpan.FromSeconds((double)ticksLeft / Stopwatch.Frequency)))
            _logger.LogWarning("Leaving the group before every stream thread made its final commit: the shutdown deadline passed");
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions)
    {
        _hadAssignment = true;
        _taskManager.HandleAssigned(partitions);
        SetState(StreamThreadState.PartitionsAssigned);
        MaybeSetRunning();
        UpdateStatus();
        // Offset.Unset: the group's committed offset (or the reset policy), as a handler without a return value would give.
        return _legacyOffsets is null || partitions.Count == 0
            ? partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset))
            : _legacyOffsets.StartOffsets(consumer, partitions);
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        if (partitions.Count == 0) return;
        _taskManager.HandleRevoked(partitions.Select(p => p.TopicPartition).ToList());
        if (!_stopRequested) SetState(StreamThreadState.PartitionsRevoked);
        UpdateStatus();
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        _taskManager.HandleLost(partitions.Select(p => p.TopicPartition).ToList());
        if (!_stopRequested) SetState(StreamThreadState.PartitionsRevoked);
        UpdateStatus();
    }

    private void MaybeSetRunning()
    {
        if (_hadAssignment && State == StreamThreadState.PartitionsAssigned && !_taskManager.HasRestoringTasks) SetState(StreamThreadState.Running);
    }

    private void SetState(StreamThreadState next)
    {
        var old = State;
        if (old == next || old == StreamThreadState.Dead) return;
        if (old == StreamThreadState.PendingShutdown && next != StreamThreadState.Dead) return;
        State = next;
        _onStateChange(this, old, next);
    }

    private void UpdateStatus()
    {
        var partitions = _taskManager.PartitionStatus();
        var restores = _reader.Status().ToList();
        lock (_statusLock)
        {
            _partitionStatus = partitions;
            _restoreStatus = restores;
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void LogClientError(string client, Error error)
    {
        if (error.IsFatal) _logger.LogError("{Thread} {Client} fatal error: {Error}", Name, client, error);
        else _logger.LogWarning("{Thread} {Client} error: {Error}", Name, client, error);
    }
}
