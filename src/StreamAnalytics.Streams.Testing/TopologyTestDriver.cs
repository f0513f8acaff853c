using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Internals;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Testing;

/// <summary>
/// Runs a <see cref="Topology"/> synchronously, without a broker, with the same tasks, stores, punctuation and
/// dead-letter logic as the runtime, so processor authors can test them (Kafka Streams' TopologyTestDriver).
/// </summary>
/// <remarks>
/// <para>Single-threaded: call everything from the test's thread. Each <see cref="PipeInput"/> processes the record and
/// everything it leads to before returning: records written to a topic the topology also reads (repartition topics) are
/// fed back in, and then the tasks "commit" (stores and <see cref="IFlushable"/> processors are flushed). Exceptions from
/// processors propagate out of PipeInput as <see cref="StreamsException"/>.</para>
/// <para>Tasks are created on the first record of their partition, or up front for every partition that has records in
/// <c>restoreFrom</c>: pass <see cref="ChangelogRecords"/> of one driver to a new one to simulate a restart or a task
/// moving to another instance. Wall-clock time only moves with <see cref="AdvanceWallClockTime"/>; like the runtime,
/// a jump over several punctuation intervals fires each punctuator once.</para>
/// </remarks>
public sealed class TopologyTestDriver : IDisposable
{
    private readonly Topology _topology;
    private readonly TaskSettings _settings;
    private readonly int _partitionsPerTopic;
    private readonly IDeserializationExceptionHandler _deserializationHandler;
    private readonly StreamsMetrics _metrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Dictionary<string, int> _subtopologyByTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _declaredPartitions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changelogTopics = new(StringComparer.Ordinal);
    private readonly SortedDictionary<TaskId, StreamTask> _tasks = new(Comparer<TaskId>.Create((a, b) => a.Subtopology != b.Subtopology ? a.Subtopology.CompareTo(b.Subtopology) : a.Partition.CompareTo(b.Partition)));
    private readonly Dictionary<string, List<TestRecord>> _written = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _readPosition = new(StringComparer.Ordinal);
    // Per input (topic, partition): its TopicPartition, task, queue and next offset, found once (Enqueue runs per record,
    // and each TopicPartition lookup hashes the topic name).
    private readonly Dictionary<(string Topic, int Partition), InputPartition> _inputs = new();
    // The tasks in id order, as an array replaced when a task is added (RunUntilIdle walks it per record; a task created
    // during the walk is picked up by the next pass).
    private StreamTask[] _taskOrder = [];
    private readonly Queue<TestRecord> _feedback = new();
    private readonly List<TestRecord> _changelog = new();
    private readonly List<TestRecord> _restoreFrom;
    private readonly Collector _collector;
    private readonly Func<TestRecord, bool>? _retainOutput;
    private readonly int _commitEvery;
    private int _sinceCommit;
    private readonly Dictionary<(string Topic, int Partition), long> _nextOffset = new();
    private bool _disposed;

    /// <param name="topology">The topology under test.</param>
    /// <param name="config">Only <c>application.id</c> (default <c>test-driver</c>), <c>buffered.records.per.partition</c> and <c>max.task.idle.ms</c> matter.</param>
    /// <param name="initialWallClock">Start of the driver's wall clock (default <see cref="DefaultWallClockStart"/>).</param>
    /// <param name="restoreFrom">Changelog records (e.g. another driver's <see cref="ChangelogRecords"/>) replayed into the stores of new tasks.</param>
    /// <param name="partitionsPerTopic">Partition count assumed for output and repartition topics without a declared count.</param>
    /// <param name="deserializationExceptionHandler">Default: dead-letter.</param>
    /// <param name="loggerFactory">Default: none.</param>
    /// <param name="commitEvery">
    /// The tasks "commit" (flush stores and <see cref="IFlushable"/> processors) after every this many calls of
    /// <see cref="PipeInput"/> / <see cref="AdvanceWallClockTime"/>; default 1 (after each). A long offline run commits
    /// less often, as the runtime does by <c>commit.interval.ms</c>; <see cref="Commit"/> forces one.
    /// </param>
    /// <param name="retainOutput">
    /// Sees every written record (outputs, dead letters, changelogs) and says whether to keep it for
    /// <see cref="ReadOutput(string)"/> and <see cref="ChangelogRecords"/>. Default: keep all. A long offline run (the
    /// CLI's <c>replay</c>) handles each record here and keeps none, so the driver's memory stays bounded; records of
    /// topics the topology reads (repartition topics) are fed back in either way.
    /// </param>
    public TopologyTestDriver(
        Topology topology, StreamsConfig? config = null, DateTimeOffset? initialWallClock = null, IEnumerable<TestRecord>? restoreFrom = null,
        int partitionsPerTopic = 1, IDeserializationExceptionHandler? deserializationExceptionHandler = null, ILoggerFactory? loggerFactory = null,
        Func<TestRecord, bool>? retainOutput = null, int commitEvery = 1)
    {
        _retainOutput = retainOutput;
        if (commitEvery <= 0) throw new ArgumentOutOfRangeException(nameof(commitEvery), commitEvery, "must be positive");
        _commitEvery = commitEvery;
        _topology = topology ?? throw new ArgumentNullException(nameof(topology));
        var cfg = config?.Clone() ?? new StreamsConfig();
        cfg.ApplicationId ??= "test-driver";
        cfg.ValidateCore(requireBootstrap: false);
        if (partitionsPerTopic <= 0) throw new ArgumentOutOfRangeException(nameof(partitionsPerTopic), partitionsPerTopic, "must be positive");
        _settings = TaskSettings.From(cfg);
        _partitionsPerTopic = partitionsPerTopic;
        _deserializationHandler = deserializationExceptionHandler ?? new DeadLetterExceptionHandler();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _metrics = new StreamsMetrics(_settings.ApplicationId);
        _collector = new Collector(this);
        Time = new FakeTimeProvider(initialWallClock ?? DefaultWallClockStart);

        foreach (var sub in topology.Subtopologies)
        {
            foreach (var t in sub.SourceTopics) _subtopologyByTopic[t.Resolve(ApplicationId)] = sub.Id;
            foreach (var s in sub.Stores.Where(s => s.LoggingEnabled)) _changelogTopics.Add(s.ChangelogTopic(ApplicationId));
        }
        foreach (var r in topology.Repartitions)
        {
            if (r.Partitions is { } n) _declaredPartitions[r.Topic.Resolve(ApplicationId)] = n;
        }

        _restoreFrom = restoreFrom?.ToList() ?? [];
        foreach (var (topic, partition) in _restoreFrom.Select(r => (r.Topic, r.Partition)).Distinct().ToList())
        {
            var sub = topology.Subtopologies.FirstOrDefault(s => s.Stores.Any(st => st.LoggingEnabled && st.ChangelogTopic(ApplicationId) == topic));
            if (sub is null) continue;
            GetOrCreateTask(new TopicPartition(sub.SourceTopics[0].Resolve(ApplicationId), partition));
        }
    }

    public string ApplicationId => _settings.ApplicationId;

    /// <summary>The dead-letter topic, <c>{application.id}-dlq</c>; read it with <see cref="ReadOutput(string)"/>.</summary>
    public string DeadLetterTopic => _settings.DeadLetterTopic;

    /// <summary>Where the driver's wall clock starts unless told otherwise: 2026-01-01T00:00Z.</summary>
    /// <remarks>Tests that give their own stores a clock start it here too, so both agree (FakeTimeProvider's own default is 2000).</remarks>
    public static readonly DateTimeOffset DefaultWallClockStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The driver's wall clock. Prefer <see cref="AdvanceWallClockTime"/>, which also fires punctuations.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Every record written to a store changelog so far, in write order: pass it as <c>restoreFrom</c> to a new driver.</summary>
    public IReadOnlyList<TestRecord> ChangelogRecords => _changelog;

    public long RecordsProcessed => _metrics.Processed;

    public long RecordsDeadLettered => _metrics.DeadLettered;

    public long RecordsSkipped => _metrics.Skipped;

    /// <summary>Processes one record read from <paramref name="topic"/> and all its consequences (see remarks on the class).</summary>
    /// <exception cref="ArgumentException">No source reads <paramref name="topic"/>.</exception>
    public void PipeInput(string topic, byte[]? key, byte[]? value, long timestampMs, int partition = 0, IReadOnlyList<KeyValuePair<string, byte[]>>? headers = null)
    {
        ThrowIfDisposed();
        if (!_subtopologyByTopic.ContainsKey(topic)) throw new ArgumentException($"no source of the topology reads topic '{topic}'", nameof(topic));
        Enqueue(topic, partition, key, value, timestampMs, headers);
        RunUntilIdle();
    }

    /// <summary>Serializes and pipes a typed record.</summary>
    public void PipeInput<TKey, TValue>(string topic, TKey key, TValue value, ISerializer<TKey> keySerializer, ISerializer<TValue> valueSerializer, long timestampMs, int partition = 0)
    {
        PipeInput(topic, keySerializer.Serialize(key, new SerializationContext(MessageComponentType.Key, topic)),
            valueSerializer.Serialize(value, new SerializationContext(MessageComponentType.Value, topic)), timestampMs, partition);
    }

    /// <summary>Moves the wall clock forward and fires the wall-clock punctuations now due (each once), then processes what they caused.</summary>
    public void AdvanceWallClockTime(TimeSpan by)
    {
        ThrowIfDisposed();
        Time.Advance(by);
        long now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var task in _taskOrder) task.MaybePunctuateSystemTime(now);
        RunUntilIdle();
    }

    /// <summary>Records written to <paramref name="topic"/> since the last call for it (outputs, dead letters, changelogs alike).</summary>
    public IReadOnlyList<TestRecord> ReadOutput(string topic)
    {
        if (!_written.TryGetValue(topic, out var list)) return [];
        int from = _readPosition.GetValueOrDefault(topic);
        _readPosition[topic] = list.Count;
        return list.GetRange(from, list.Count - from);
    }

    /// <summary>Like <see cref="ReadOutput(string)"/>, deserialized.</summary>
    public IReadOnlyList<Record<TKey, TValue>> ReadOutput<TKey, TValue>(string topic, IDeserializer<TKey> keyDeserializer, IDeserializer<TValue> valueDeserializer)
    {
        var result = new List<Record<TKey, TValue>>();
        foreach (var r in ReadOutput(topic))
        {
            result.Add(new Record<TKey, TValue>(
                keyDeserializer.Deserialize(r.Key, r.Key is null, new SerializationContext(MessageComponentType.Key, topic)),
                valueDeserializer.Deserialize(r.Value, r.Value is null, new SerializationContext(MessageComponentType.Value, topic)),
                r.TimestampMs, r.Headers.Count == 0 ? null : r.Headers));
        }
        return result;
    }

    /// <summary>The store <paramref name="name"/> of the task for <paramref name="partition"/> (created if needed).</summary>
    /// <exception cref="ArgumentException">No such store.</exception>
    public TStore GetStateStore<TStore>(string name, int partition = 0) where TStore : class, IStateStore
    {
        ThrowIfDisposed();
        var sub = _topology.Subtopologies.FirstOrDefault(s => s.Stores.Any(st => st.Name == name))
            ?? throw new ArgumentException($"the topology has no store '{name}'", nameof(name));
        var task = GetOrCreateTask(new TopicPartition(sub.SourceTopics[0].Resolve(ApplicationId), partition));
        var store = task.StateManager.GetStore(name);
        return store as TStore ?? throw new ArgumentException($"store '{name}' is a {store.GetType().Name}, not a {typeof(TStore).Name}", nameof(name));
    }

    /// <summary>Closes every task (processors, then stores).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var task in _tasks.Values) task.Close();
        _metrics.Dispose();
    }

    private void Enqueue(string topic, int partition, byte[]? key, byte[]? value, long timestampMs, IReadOnlyList<KeyValuePair<string, byte[]>>? headers)
    {
        if (!_inputs.TryGetValue((topic, partition), out var input) || input.Queue.Detached)
        {
            var tp = new TopicPartition(topic, new Partition(partition));
            var owner = GetOrCreateTask(tp);
            input = new InputPartition(owner, owner.QueueOf(tp)!) { NextOffset = input?.NextOffset ?? 0 };
            _inputs[(topic, partition)] = input;
        }
        var task = input.Task;
        long offset = input.NextOffset++;
        Headers? h = null;
        if (headers is { Count: > 0 })
        {
            h = new Headers();
            foreach (var kv in headers) h.Add(kv.Key, kv.Value);
        }
        var raw = new ConsumeResult<byte[], byte[]>
        {
            Topic = topic,
            Partition = new Partition(partition),
            Offset = new Offset(offset),
            Message = new Message<byte[], byte[]> { Key = key!, Value = value!, Timestamp = new Timestamp(timestampMs, TimestampType.CreateTime), Headers = h },
        };
        while (!input.Queue.TryEnqueue(raw))
        {
            bool processed = task.Process(Time.GetUtcNow().ToUnixTimeMilliseconds());
            task.PublishProcessed();
            if (!processed) throw new InvalidOperationException($"task {task.Id} is full and cannot process");
            task.MaybePunctuateStreamTime();
        }
    }

    private void RunUntilIdle()
    {
        bool progress = true;
        while (progress)
        {
            progress = false;
            StreamTask[] tasks = _taskOrder;
            for (int i = 0; i < tasks.Length; i++)
            {
                StreamTask task = tasks[i];
                // The clock is read once per task turn: only AdvanceWallClockTime (or a test) moves it.
                long now = Time.GetUtcNow().ToUnixTimeMilliseconds();
                try
                {
                    while (task.Process(now))
                    {
                        task.MaybePunctuateStreamTime();
                        progress = true;
                    }
                }
                finally
                {
                    task.PublishProcessed();
                }
            }
            while (_feedback.TryDequeue(out var r))
            {
                Enqueue(r.Topic, r.Partition, r.Key, r.Value, r.TimestampMs, r.Headers);
                progress = true;
            }
        }
        if (++_sinceCommit >= _commitEvery) Commit();
    }

    /// <summary>Commits every task now: stores and <see cref="IFlushable"/> processors are flushed.</summary>
    public void Commit()
    {
        ThrowIfDisposed();
        _sinceCommit = 0;
        foreach (var task in _tasks.Values)
        {
            task.PrepareCommit(CancellationToken.None);
            task.PostCommit();
        }
    }

    private StreamTask GetOrCreateTask(TopicPartition tp)
    {
        int sub = _subtopologyByTopic[tp.Topic];
        var id = new TaskId(sub, tp.Partition.Value);
        if (_tasks.TryGetValue(id, out var task))
        {
            task.AddPartition(tp);
            return task;
        }
        task = new StreamTask(id, _topology.Subtopologies[sub], [tp], _settings, _collector, Time, _deserializationHandler, _metrics,
            _loggerFactory.CreateLogger("StreamAnalytics.Streams.StreamTask"));
        _tasks[id] = task;
        _taskOrder = [.. _tasks.Values];
        task.InitializeStateStores();
        foreach (var store in task.StateManager.Stores)
        {
            if (store.ChangelogPartition is not { } changelog) continue;
            foreach (var r in _restoreFrom)
            {
                if (r.Topic == changelog.Topic && r.Partition == changelog.Partition.Value) store.Replay(r.Offset, r.Key, r.Value, r.Value is null);
            }
        }
        task.CompleteRestoration();
        return task;
    }

    private int PartitionCount(string topic) => _declaredPartitions.TryGetValue(topic, out int n) ? n : _partitionsPerTopic;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void Written(string topic, int? partition, byte[]? key, byte[]? value, long timestampMs, Headers? headers)
    {
        int p = partition ?? (key is null ? 0 : (int)(Fnv1a(key) % (uint)PartitionCount(topic)));
        if (!_written.TryGetValue(topic, out var list)) _written[topic] = list = new List<TestRecord>();
        long offset = _nextOffset.GetValueOrDefault((topic, p));
        for (int i = list.Count - 1; i >= 0; i--)
        {
            if (list[i].Partition == p)
            {
                offset = Math.Max(offset, list[i].Offset + 1);
                break;
            }
        }
        KeyValuePair<string, byte[]>[] hs = [];
        if (headers is { Count: > 0 })
        {
            hs = new KeyValuePair<string, byte[]>[headers.Count];
            for (int i = 0; i < hs.Length; i++) hs[i] = new(headers[i].Key, headers[i].GetValueBytes());
        }
        var record = new TestRecord(topic, p, offset, key, value, timestampMs, hs);
        if (_subtopologyByTopic.ContainsKey(topic)) _feedback.Enqueue(record);
        if (_retainOutput is not null && !_retainOutput(record))
        {
            // Not kept: only the next offset of its partition is remembered.
            _nextOffset[(topic, p)] = offset + 1;
            return;
        }
        list.Add(record);
        if (_changelogTopics.Contains(topic)) _changelog.Add(record);
    }

    private static uint Fnv1a(byte[] bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes) hash = (hash ^ b) * 16777619;
        return hash;
    }

    /// <summary>One input partition as the driver feeds it.</summary>
    private sealed class InputPartition(StreamTask task, RecordQueue queue)
    {
        public StreamTask Task { get; } = task;
        public RecordQueue Queue { get; } = queue;
        public long NextOffset { get; set; }
    }

    private sealed class Collector(TopologyTestDriver driver) : IRecordCollector
    {
        public void Send(string topic, int? partition, byte[]? key, byte[]? value, long timestampMs, Headers? headers) =>
            driver.Written(topic, partition, key, value, timestampMs, headers);
    }
}
