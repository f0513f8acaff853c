using Microsoft.Extensions.Logging;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>The runtime behind <see cref="IKafkaStreams"/>: owns the stream threads and derives the instance state from theirs.</summary>
internal sealed class KafkaStreams : IKafkaStreams
{
    private readonly Topology _topology;
    private readonly StreamsConfig _config;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IDeserializationExceptionHandler _deserializationHandler;
    private readonly ITopicAdmin _topicAdmin;
    private readonly bool _lookUpTopicLimits;
    private readonly Action<KafkaStreamsState, KafkaStreamsState>? _listener;
    private readonly StreamsMetrics _metrics;
    private readonly RebalanceWatch _rebalanceWatch;
    private readonly object _lock = new();
    private readonly List<StreamThread> _threads = new();
    private KafkaStreamsState _state = KafkaStreamsState.Created;
    private Task<bool>? _closing;

    public KafkaStreams(
        Topology topology, StreamsConfig config, TimeProvider time, ILoggerFactory loggerFactory, IDeserializationExceptionHandler deserializationHandler,
        ITopicAdmin topicAdmin, Action<KafkaStreamsState, KafkaStreamsState>? listener, bool lookUpTopicLimits = true)
    {
        _lookUpTopicLimits = lookUpTopicLimits;
        _topology = topology;
        _config = config;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("StreamAnalytics.Streams.KafkaStreams");
        _deserializationHandler = deserializationHandler;
        _topicAdmin = topicAdmin;
        _listener = listener;
        _metrics = new StreamsMetrics(config.ApplicationId!, AllPartitionStatus, TasksPerSubtopology);
        ProcessId = Guid.NewGuid().ToString("N")[..12];
        _rebalanceWatch = new RebalanceWatch(time, _logger, DescribeRebalanceWait);
    }

    /// <summary>Every output topic's <c>max.message.bytes</c> the brokers describe, in one request; null when skipped or unknown.</summary>
    private IReadOnlyDictionary<string, int>? LookUpTopicLimits()
    {
        if (!_lookUpTopicLimits) return null;
        var topics = new List<string>();
        for (int sub = 0; sub < _topology.Subtopologies.Count; sub++)
            topics.AddRange(InternalTopicManager.OutputTopics(_topology, sub, _config.ApplicationId!));
        return _topicAdmin.GetMaxMessageBytes(topics.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// The smallest <c>max.message.bytes</c> of the topics sub-topology <paramref name="sub"/> writes, when it is below
    /// the producer's <c>message.max.bytes</c> (logged: the producer is lowered to it), else null.
    /// </summary>
    private int? OutputTopicLimit(int sub, IReadOnlyDictionary<string, int>? limits)
    {
        if (limits is null || limits.Count == 0) return null;
        var topics = InternalTopicManager.OutputTopics(_topology, sub, _config.ApplicationId!);
        int? limit = null;
        string? smallest = null;
        foreach (string topic in topics)
        {
            if (limits.TryGetValue(topic, out int bytes) && (limit is null || bytes < limit))
            {
                limit = bytes;
                smallest = topic;
            }
        }
        var probe = ClientConfigs.Producer(_config, "probe", null);
        int configured = probe.MessageMaxBytes ?? ClientConfigs.DefaultMessageMaxBytes;
        if (!ClientConfigs.FitTopicLimit(probe, limit)) return null;
        _logger.LogWarning(
            "Sub-topology {Subtopology} writes {Topic}, whose max.message.bytes is {TopicLimit}, below the producer's message.max.bytes {Configured}: " +
            "its producers use message.max.bytes {Fitted} and batch.size {Batch}, so a larger record becomes a dead letter instead of a broker refusal",
            sub, smallest, limit, configured, probe.MessageMaxBytes, probe.BatchSize);
        return limit;
    }

    /// <summary>Distinguishes instances of one application (part of transactional ids).</summary>
    public string ProcessId { get; }

    public KafkaStreamsState State
    {
        get
        {
            lock (_lock) return _state;
        }
    }

    public event Action<KafkaStreamsState, KafkaStreamsState>? StateChanged;

    public void Start()
    {
        lock (_lock)
        {
            if (_state != KafkaStreamsState.Created) throw new InvalidOperationException($"Start can only be called once, on a Created instance (state is {_state})");
        }
        _logger.LogInformation("Starting {ApplicationId} ({Guarantee}, {Threads} threads per sub-topology, one consumer group per sub-topology)\n{Topology}",
            _config.ApplicationId, _config.ProcessingGuarantee, _config.NumStreamThreads,
            // The description names internal topics with a ${application.id} placeholder; the log shows the real names.
            _topology.Describe().Replace("${application.id}", _config.ApplicationId, StringComparison.Ordinal));
        InternalTopicManager.Setup(_topology, _config, _topicAdmin);
        // num.stream.threads threads per sub-topology, each sub-topology in its own consumer group, so that every
        // sub-topology's tasks spread evenly over the instances (see ClientConfigs.GroupId). Threads leave their groups
        // only once every thread made its final commit (see StreamThread.WaitForSiblingsFinalCommits).
        int subtopologies = _topology.Subtopologies.Count;
        int threads = _config.NumStreamThreads * subtopologies;
        var finalCommits = threads > 1 ? new CountdownEvent(threads) : null;
        var topicLimits = LookUpTopicLimits();
        for (int sub = 0; sub < subtopologies; sub++)
        {
            int? topicLimit = OutputTopicLimit(sub, topicLimits);
            for (int i = 0; i < _config.NumStreamThreads; i++)
            {
                _threads.Add(new StreamThread(_threads.Count + 1, sub, _topology, _config, ProcessId, _time, _loggerFactory, _deserializationHandler, _metrics,
                    OnThreadStateChanged, finalCommits, topicLimit));
            }
        }
        SetState(KafkaStreamsState.Rebalancing);
        foreach (var t in _threads) t.Start();
    }

    public Task<bool> CloseAsync(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_closing is not null) return _closing;
            _closing = CloseCoreAsync(timeout);
            return _closing;
        }
    }

    private async Task<bool> CloseCoreAsync(TimeSpan timeout)
    {
        if (State is not (KafkaStreamsState.Error or KafkaStreamsState.NotRunning)) SetState(KafkaStreamsState.PendingShutdown);
        foreach (var t in _threads) t.RequestStop(timeout);
        var all = Task.WhenAll(_threads.Select(t => t.Completion));
        bool finished = await Task.WhenAny(all, Task.Delay(timeout)).ConfigureAwait(false) == all;
        if (!finished) _logger.LogWarning("Close did not finish within {Timeout}; stream threads keep closing in the background", timeout);
        if (State != KafkaStreamsState.Error) SetState(KafkaStreamsState.NotRunning);
        if (finished) _metrics.Dispose();
        return finished;
    }

    public StreamsStatus GetStatus()
    {
        var restores = _threads.SelectMany(t => t.RestoreStatusSnapshot).ToList();
        return new StreamsStatus(
            State, AllPartitionStatus().ToList(), restores, _metrics.Consumed, _metrics.Processed, _metrics.DeadLettered, _metrics.Skipped,
            _metrics.Commits, _metrics.CommitFailures, _metrics.Rebalances, _metrics.Restored,
            _threads.Select(t => t.FatalError).FirstOrDefault(e => e is not null));
    }

    public async ValueTask DisposeAsync()
    {
        if (State == KafkaStreamsState.Created)
        {
            SetState(KafkaStreamsState.NotRunning);
            _metrics.Dispose();
            return;
        }
        await CloseAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    private IEnumerable<PartitionStatus> AllPartitionStatus()
    {
        foreach (var t in _threads)
        {
            foreach (var p in t.PartitionStatusSnapshot) yield return p;
        }
    }

    /// <summary>What each thread waits for, for <see cref="RebalanceWatch"/>'s periodic report.</summary>
    private string DescribeRebalanceWait()
    {
        var parts = new List<string>(_threads.Count);
        foreach (var t in _threads)
        {
            if (t.State == StreamThreadState.Running) continue;
            parts.Add(RebalanceWatch.DescribeThread(t.Name, t.State, t.PartitionStatusSnapshot.Count, t.RestoreStatusSnapshot, ClientConfigs.GroupId(_config.ApplicationId!, t.Subtopology)));
        }
        return parts.Count == 0 ? "every thread runs; waiting for the state to settle" : string.Join("; ", parts);
    }

    /// <summary>Tasks owned per sub-topology (index = sub-topology id), from the threads' last snapshots.</summary>
    internal IReadOnlyList<int> TasksPerSubtopology()
    {
        var counts = new int[_topology.Subtopologies.Count];
        var seen = new HashSet<TaskId>();
        foreach (var p in AllPartitionStatus())
        {
            if (seen.Add(p.TaskId)) counts[p.TaskId.Subtopology]++;
        }
        return counts;
    }

    private void OnThreadStateChanged(StreamThread thread, StreamThreadState old, StreamThreadState next)
    {
        _logger.LogDebug("{Thread}: {Old} -> {New}", thread.Name, old, next);
        if (next == StreamThreadState.Dead && thread.FatalError is not null)
        {
            SetState(KafkaStreamsState.Error);
            return;
        }
        lock (_lock)
        {
            if (_state is not (KafkaStreamsState.Rebalancing or KafkaStreamsState.Running)) return;
        }
        // A thread in any state other than Running holds the instance in Rebalancing.
        bool allRunning = _threads.All(t => t.State == StreamThreadState.Running);
        SetState(allRunning ? KafkaStreamsState.Running : KafkaStreamsState.Rebalancing);
    }

    private void SetState(KafkaStreamsState next)
    {
        KafkaStreamsState old;
        lock (_lock)
        {
            old = _state;
            if (old == next) return;
            // Terminal: nothing leaves NotRunning, and Error only waits for close.
            if (old == KafkaStreamsState.NotRunning) return;
            if (old == KafkaStreamsState.Error && next != KafkaStreamsState.NotRunning) return;
            if (old == KafkaStreamsState.PendingShutdown && next is not (KafkaStreamsState.NotRunning or KafkaStreamsState.Error)) return;
            _state = next;
        }
        _logger.LogInformation("State {Old} -> {New}", old, next);
        if (next == KafkaStreamsState.Rebalancing) _rebalanceWatch.Enter();
        else _rebalanceWatch.Leave();
        Notify(_listener, old, next);
        Notify(StateChanged, old, next);
    }

    private void Notify(Action<KafkaStreamsState, KafkaStreamsState>? handler, KafkaStreamsState old, KafkaStreamsState next)
    {
        if (handler is null) return;
        try
        {
            handler(old, next);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "A state listener threw on {Old} -> {New}", old, next);
        }
    }
}
