using System.Globalization;
using System.Text.RegularExpressions;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Streams;

/// <summary>
/// Settings of a <see cref="IKafkaStreams"/> instance: a typed wrapper over dotted keys named as in Kafka Streams.
/// Keys prefixed <c>consumer.</c>, <c>restore.consumer.</c>, <c>producer.</c> and <c>admin.</c> are passed (without the
/// prefix) to the matching Confluent.Kafka client; unprefixed <c>security.*</c>, <c>sasl.*</c> and <c>ssl.*</c> keys go to
/// every client. That is how SASL/SSL settings reach the clients.
/// </summary>
/// <remarks>Not thread-safe while being edited; the runtime copies it at <c>Build()</c>.</remarks>
public sealed partial class StreamsConfig
{
    public const string ApplicationIdKey = "application.id";
    public const string BootstrapServersKey = "bootstrap.servers";
    public const string ClientIdKey = "client.id";
    public const string ProcessingGuaranteeKey = "processing.guarantee";
    public const string CommitIntervalMsKey = "commit.interval.ms";
    public const string CommitTimeoutMsKey = "commit.timeout.ms";
    public const string NumStreamThreadsKey = "num.stream.threads";
    public const string BufferedRecordsPerPartitionKey = "buffered.records.per.partition";
    public const string PollMsKey = "poll.ms";
    public const string MaxTaskIdleMsKey = "max.task.idle.ms";
    public const string StateRestoreBatchRecordsKey = "state.restore.batch.records";
    public const string ReplicationFactorKey = "replication.factor";
    public const string TaskTimeoutMsKey = "task.timeout.ms";

    /// <summary>Kafka Streams' default <c>task.timeout.ms</c>: 5 minutes.</summary>
    public const long DefaultTaskTimeoutMs = 300_000;

    public const string ConsumerPrefix = "consumer.";
    public const string RestoreConsumerPrefix = "restore.consumer.";
    public const string ProducerPrefix = "producer.";
    public const string AdminPrefix = "admin.";

    public const string AtLeastOnce = "at_least_once";
    public const string ExactlyOnceV2 = "exactly_once_v2";

    private static readonly string[] KnownKeys =
    [
        ApplicationIdKey, BootstrapServersKey, ClientIdKey, ProcessingGuaranteeKey, CommitIntervalMsKey, CommitTimeoutMsKey,
        NumStreamThreadsKey, BufferedRecordsPerPartitionKey, PollMsKey, MaxTaskIdleMsKey, StateRestoreBatchRecordsKey, ReplicationFactorKey,
        TaskTimeoutMsKey,
    ];

    private static readonly string[] SharedClientPrefixes = ["security.", "sasl.", "ssl."];

    // Keys the runtime must own: changing them would break commits, rebalancing or exactly-once (Confluent's
    // ThrowIfContainsNonUserConfigurable, applied to our prefixes).
    private static readonly string[] ReservedClientKeys =
    [
        "consumer.group.id", "consumer.enable.auto.commit", "consumer.enable.auto.offset.store", "consumer.partition.assignment.strategy",
        "consumer.isolation.level", "consumer.enable.partition.eof", "consumer.dotnet.consumer.consume.result.fields", "restore.consumer.group.id", "restore.consumer.enable.auto.commit",
        "producer.transactional.id", "producer.partitioner",
    ];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private static readonly StreamsConfig Defaults = new();

    /// <summary>
    /// The runtime's tunable keys with defaults read from an empty config (so at_least_once ones), bounds and doc text.
    /// A job lists the ones it exposes; the client prefixes and <c>application.id</c>/<c>bootstrap.servers</c> are the job's.
    /// </summary>
    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        ConfigKey.OneOf(ProcessingGuaranteeKey, AtLeastOnce, [AtLeastOnce, ExactlyOnceV2], "at_least_once: offsets are committed after outputs are acknowledged; exactly_once_v2: Kafka transactions wrap outputs, changelog writes and offsets."),
        ConfigKey.Integer(CommitIntervalMsKey, Defaults.CommitIntervalMs, 10, 600_000, "How often offsets are committed (and the open-traces record cache is written to its changelog). When unset: 1000, or 100 under exactly_once_v2."),
        ConfigKey.Integer(CommitTimeoutMsKey, Defaults.CommitTimeoutMs, 1, int.MaxValue, "How long one commit may block (producer flush, offset or transaction commit) before it counts as failed."),
        ConfigKey.Integer(NumStreamThreadsKey, Defaults.NumStreamThreads, 1, 64, "Stream threads of this instance per sub-topology (each sub-topology has its own consumer group); a sub-topology's tasks (one per partition) are shared among its threads on all instances, so threads beyond the partition count idle."),
        ConfigKey.Integer(BufferedRecordsPerPartitionKey, Defaults.BufferedRecordsPerPartition, 1, int.MaxValue, "Bound of each partition's input queue; while a full queue drains to half the thread consumes nothing more (records wait in the client's prefetch)."),
        ConfigKey.Integer(PollMsKey, Defaults.PollMs, 1, int.MaxValue, "How long a poll blocks when no task has records queued."),
        ConfigKey.Integer(MaxTaskIdleMsKey, Defaults.MaxTaskIdleMs, 0, long.MaxValue, "How long a task reading several partitions waits for all of them to have data."),
        ConfigKey.Integer(StateRestoreBatchRecordsKey, Defaults.StateRestoreBatchRecords, 1, int.MaxValue, "Changelog records restored per loop iteration before running tasks are served again."),
        ConfigKey.Integer(ReplicationFactorKey, Defaults.ReplicationFactor, -1, short.MaxValue, "Replication factor of internal topics; -1 = the broker default."),
        ConfigKey.Integer(TaskTimeoutMsKey, Defaults.TaskTimeoutMs, 0, int.MaxValue, "How long a task may fail to read its changelog's end offset through transient errors (leader moving, broker unreachable) before its restore fails the stream thread; 0 = at the first error."),
    ];

    public StreamsConfig() { }

    /// <summary>Copies the given keys; later duplicates win.</summary>
    public StreamsConfig(IEnumerable<KeyValuePair<string, string>> values)
    {
        foreach (var kv in values) _values[kv.Key] = kv.Value;
    }

    /// <summary>A raw key; setting null removes it.</summary>
    public string? this[string key]
    {
        get => _values.TryGetValue(key, out var v) ? v : null;
        set
        {
            if (value is null) _values.Remove(key);
            else _values[key] = value;
        }
    }

    /// <summary>Every key that has been set.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>
    /// <c>application.id</c>: the consumer group id, the prefix of internal topics (<c>{id}-{store}-changelog</c>,
    /// <c>{id}-{name}-repartition</c>, <c>{id}-dlq</c>) and of transactional ids. Letters, digits, '.', '_' and '-'.
    /// default: none; importance: high.
    /// </summary>
    public string? ApplicationId { get => this[ApplicationIdKey]; set => this[ApplicationIdKey] = value; }

    /// <summary><c>bootstrap.servers</c>: host:port list for every client. default: none; importance: high.</summary>
    public string? BootstrapServers { get => this[BootstrapServersKey]; set => this[BootstrapServersKey] = value; }

    /// <summary><c>client.id</c>: prefix of the clients' client.id. default: the application.id; importance: low.</summary>
    public string? ClientId { get => this[ClientIdKey]; set => this[ClientIdKey] = value; }

    /// <summary><c>processing.guarantee</c>: <c>at_least_once</c> or <c>exactly_once_v2</c>. default: at_least_once; importance: high.</summary>
    public ProcessingGuarantee ProcessingGuarantee
    {
        get => this[ProcessingGuaranteeKey] switch
        {
            null or AtLeastOnce => ProcessingGuarantee.AtLeastOnce,
            ExactlyOnceV2 => ProcessingGuarantee.ExactlyOnceV2,
            var other => throw new ArgumentException($"{ProcessingGuaranteeKey}: '{other}' is not one of {AtLeastOnce}, {ExactlyOnceV2}"),
        };
        set => this[ProcessingGuaranteeKey] = value == ProcessingGuarantee.ExactlyOnceV2 ? ExactlyOnceV2 : AtLeastOnce;
    }

    /// <summary>
    /// <c>commit.interval.ms</c>: how often tasks flush and commit. default: 1000, or 100 with exactly_once_v2 (a shorter
    /// interval keeps transactions and read_committed latency small); importance: high.
    /// </summary>
    public int CommitIntervalMs
    {
        get => GetInt(CommitIntervalMsKey) ?? (ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2 ? 100 : 1000);
        set => SetInt(CommitIntervalMsKey, value);
    }

    /// <summary>
    /// <c>commit.timeout.ms</c> (ours): how long one commit may block flushing the producer, committing offsets or the
    /// transaction before it counts as failed. default: 30000; importance: medium.
    /// </summary>
    public int CommitTimeoutMs { get => GetInt(CommitTimeoutMsKey) ?? 30_000; set => SetInt(CommitTimeoutMsKey, value); }

    /// <summary><c>num.stream.threads</c>: stream threads, each with its own consumer, producer and tasks. default: 1; importance: medium.</summary>
    public int NumStreamThreads { get => GetInt(NumStreamThreadsKey) ?? 1; set => SetInt(NumStreamThreadsKey, value); }

    /// <summary>
    /// <c>buffered.records.per.partition</c>: the bound of each partition's input queue between poll and processing. A
    /// full queue stops consumption until processing drains it to half (its partition is paused only when its task
    /// cannot drain it then: restoring, or waiting out <c>max.task.idle.ms</c>). default: 1000; importance: low.
    /// </summary>
    public int BufferedRecordsPerPartition { get => GetInt(BufferedRecordsPerPartitionKey) ?? 1000; set => SetInt(BufferedRecordsPerPartitionKey, value); }

    /// <summary>
    /// <c>poll.ms</c>: how long a poll blocks when no task has records queued. Also bounds how late a wall-clock
    /// punctuation fires on an idle thread. default: 100; importance: low.
    /// </summary>
    public int PollMs { get => GetInt(PollMsKey) ?? 100; set => SetInt(PollMsKey, value); }

    /// <summary>
    /// <c>max.task.idle.ms</c>: how long a task that reads several partitions waits for all of them to have data before
    /// processing the ones that do (so records are taken in timestamp order). 0 = never wait. default: 0; importance: medium.
    /// </summary>
    public long MaxTaskIdleMs { get => GetLong(MaxTaskIdleMsKey) ?? 0; set => this[MaxTaskIdleMsKey] = value.ToString(CultureInfo.InvariantCulture); }

    /// <summary>
    /// <c>state.restore.batch.records</c> (ours): changelog records restored per loop iteration before the thread polls
    /// and processes its running tasks again. default: 1000; importance: low.
    /// </summary>
    public int StateRestoreBatchRecords { get => GetInt(StateRestoreBatchRecordsKey) ?? 1000; set => SetInt(StateRestoreBatchRecordsKey, value); }

    /// <summary><c>replication.factor</c> of internal topics; -1 = the broker default. default: -1; importance: medium.</summary>
    public short ReplicationFactor { get => (short)(GetInt(ReplicationFactorKey) ?? -1); set => SetInt(ReplicationFactorKey, value); }

    /// <summary>
    /// <c>task.timeout.ms</c>: how long a task may fail to read its changelog's end offset through transient errors
    /// before its restore fails the stream thread (Kafka Streams applies it to every client call of a task; here, to the
    /// restore's end-offset query, the one call that is retried without bound otherwise). 0 = at the first error.
    /// default: 300000; importance: medium.
    /// </summary>
    public long TaskTimeoutMs { get => GetLong(TaskTimeoutMsKey) ?? DefaultTaskTimeoutMs; set => this[TaskTimeoutMsKey] = value.ToString(CultureInfo.InvariantCulture); }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid or missing key, by name.</summary>
    public void Validate() => ValidateCore(requireBootstrap: true);

    internal void ValidateCore(bool requireBootstrap)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ApplicationId)) problems.Add($"{ApplicationIdKey} is required");
        else if (!ApplicationIdPattern().IsMatch(ApplicationId))
            problems.Add($"{ApplicationIdKey} '{ApplicationId}' may only contain letters, digits, '.', '_' and '-' (it prefixes topic names)");
        if (requireBootstrap && string.IsNullOrWhiteSpace(BootstrapServers)) problems.Add($"{BootstrapServersKey} is required");
        string? guarantee = this[ProcessingGuaranteeKey];
        if (guarantee is not null && guarantee != AtLeastOnce && guarantee != ExactlyOnceV2)
            problems.Add($"{ProcessingGuaranteeKey} '{guarantee}' must be {AtLeastOnce} or {ExactlyOnceV2}");
        CheckPositive(CommitIntervalMsKey, problems);
        CheckPositive(CommitTimeoutMsKey, problems);
        CheckPositive(NumStreamThreadsKey, problems);
        CheckPositive(BufferedRecordsPerPartitionKey, problems);
        CheckPositive(PollMsKey, problems);
        CheckPositive(StateRestoreBatchRecordsKey, problems);
        if (this[MaxTaskIdleMsKey] is { } idle && (!long.TryParse(idle, NumberStyles.Integer, CultureInfo.InvariantCulture, out long idleMs) || idleMs < 0))
            problems.Add($"{MaxTaskIdleMsKey} '{idle}' must be a non-negative integer");
        if (this[TaskTimeoutMsKey] is { } tt && (!long.TryParse(tt, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ttMs) || ttMs < 0))
            problems.Add($"{TaskTimeoutMsKey} '{tt}' must be a non-negative integer");
        if (this[ReplicationFactorKey] is { } rf && (!short.TryParse(rf, NumberStyles.Integer, CultureInfo.InvariantCulture, out short rfv) || rfv == 0 || rfv < -1))
            problems.Add($"{ReplicationFactorKey} '{rf}' must be -1 (broker default) or a positive integer");

        foreach (var key in _values.Keys)
        {
            if (Array.IndexOf(ReservedClientKeys, key) >= 0)
            {
                problems.Add($"{key} is set by the runtime and cannot be configured");
                continue;
            }
            if (Array.IndexOf(KnownKeys, key) >= 0 || IsClientKey(key)) continue;
            problems.Add($"unknown key '{key}': client settings need a {ConsumerPrefix}, {RestoreConsumerPrefix}, {ProducerPrefix} or {AdminPrefix} prefix");
        }
        if (problems.Count > 0) throw new ArgumentException("Invalid StreamsConfig: " + string.Join("; ", problems));
    }

    /// <summary>The settings for one client kind: shared security keys, then the prefixed keys without their prefix.</summary>
    internal IEnumerable<KeyValuePair<string, string>> ClientSettings(string prefix)
    {
        foreach (var kv in _values)
        {
            if (IsSharedClientKey(kv.Key)) yield return kv;
        }
        foreach (var kv in _values)
        {
            // "restore.consumer.x" must not also count as "consumer." - it does not start with it, so no special case.
            if (kv.Key.StartsWith(prefix, StringComparison.Ordinal) && kv.Key.Length > prefix.Length)
                yield return new(kv.Key[prefix.Length..], kv.Value);
        }
    }

    internal StreamsConfig Clone() => new(_values);

    private static bool IsClientKey(string key) =>
        IsSharedClientKey(key)
        || key.StartsWith(ConsumerPrefix, StringComparison.Ordinal)
        || key.StartsWith(RestoreConsumerPrefix, StringComparison.Ordinal)
        || key.StartsWith(ProducerPrefix, StringComparison.Ordinal)
        || key.StartsWith(AdminPrefix, StringComparison.Ordinal);

    private static bool IsSharedClientKey(string key)
    {
        foreach (var p in SharedClientPrefixes)
        {
            if (key.StartsWith(p, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private void CheckPositive(string key, List<string> problems)
    {
        if (this[key] is { } raw && (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v <= 0))
            problems.Add($"{key} '{raw}' must be a positive integer");
    }

    private int? GetInt(string key) =>
        this[key] is { } raw ? int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new ArgumentException($"{key} '{raw}' is not an integer") : null;

    private long? GetLong(string key) =>
        this[key] is { } raw ? long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v
            : throw new ArgumentException($"{key} '{raw}' is not an integer") : null;

    private void SetInt(string key, int value) => this[key] = value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex ApplicationIdPattern();
}
