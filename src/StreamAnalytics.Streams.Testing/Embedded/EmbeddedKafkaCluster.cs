using System.Runtime.InteropServices;
using System.Text;

namespace StreamAnalytics.Streams.Testing.Embedded;

/// <summary>
/// An in-process Kafka cluster: librdkafka's mock brokers, speaking the real Kafka protocol on 127.0.0.1 ports.
/// Used by tests and by the CLI's <c>demo</c> and <c>kafka-mock</c> commands when no real Kafka is configured.
/// </summary>
/// <remarks>
/// Supports produce/fetch, consumer groups with rebalancing, offset commits, idempotent and transactional producers.
/// Not supported (real-Kafka-only): the CreateTopics admin API (use <see cref="CreateTopic"/>), log compaction, and
/// read_committed hiding aborted records. Topics are auto-created on first use with <see cref="DefaultPartitions"/> partitions.
/// Dispose stops the brokers; clients still connected see transport errors.
/// </remarks>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    private IntPtr _rk;
    private IntPtr _cluster;
    private readonly object _lock = new();

    private EmbeddedKafkaCluster(IntPtr rk, IntPtr cluster, int brokers, int defaultPartitions)
    {
        _rk = rk;
        _cluster = cluster;
        BrokerCount = brokers;
        DefaultPartitions = defaultPartitions;
        BootstrapServers = Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("mock cluster returned no bootstrap servers");
    }

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers on 127.0.0.1.</summary>
    /// <param name="brokers">Broker ids are 1..brokers.</param>
    /// <param name="defaultPartitions">Partitions of auto-created topics.</param>
    /// <param name="initialRebalanceDelayMs">The brokers' <c>group.initial.rebalance.delay.ms</c>; small values make tests fast.</param>
    public static EmbeddedKafkaCluster Start(int brokers = 1, int defaultPartitions = 4, int initialRebalanceDelayMs = 100)
    {
        if (brokers < 1) throw new ArgumentOutOfRangeException(nameof(brokers), "at least one broker");
        var err = new byte[512];
        IntPtr conf = MockClusterNative.rd_kafka_conf_new();
        // The handle only does bookkeeping for the mock cluster; keep it quiet.
        Set(conf, "log_level", "3", err);
        Set(conf, "client.id", "embedded-kafka-cluster", err);
        IntPtr rk = MockClusterNative.rd_kafka_new(MockClusterNative.RdKafkaProducer, conf, err, (UIntPtr)err.Length);
        if (rk == IntPtr.Zero) throw new InvalidOperationException("rd_kafka_new failed: " + CString(err));
        IntPtr cluster = MockClusterNative.rd_kafka_mock_cluster_new(rk, brokers);
        if (cluster == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_destroy(rk);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }
        MockClusterNative.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, initialRebalanceDelayMs);
        return new EmbeddedKafkaCluster(rk, cluster, brokers, defaultPartitions);
    }

    /// <summary>How librdkafka's mock cluster ids begin (its clusters are named <c>mockCluster…</c>).</summary>
    public const string MockClusterIdPrefix = "mockCluster";

    /// <summary>
    /// The cluster id the brokers at <paramref name="bootstrapServers"/> report in metadata, or null when none answered
    /// within <paramref name="timeout"/>. Confluent.Kafka does not expose it (its DescribeCluster waits for a
    /// controller, which the mock never names), so this asks librdkafka directly, with the given client settings
    /// (security and the like); a mock cluster, in this process or a <c>kafka-mock</c> one, answers with an id that
    /// starts with <see cref="MockClusterIdPrefix"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A client setting is not accepted by librdkafka.</exception>
    public static string? ClusterIdOf(string bootstrapServers, TimeSpan timeout, IEnumerable<KeyValuePair<string, string>>? settings = null)
    {
        var err = new byte[512];
        IntPtr conf = MockClusterNative.rd_kafka_conf_new();
        try
        {
            foreach (var (key, value) in settings ?? []) Set(conf, key, value, err);
            Set(conf, "bootstrap.servers", bootstrapServers, err);
            Set(conf, "log_level", "0", err); // an unreachable address is the caller's to report, not librdkafka's log lines
        }
        catch
        {
            MockClusterNative.rd_kafka_conf_destroy(conf);
            throw;
        }
        IntPtr rk = MockClusterNative.rd_kafka_new(MockClusterNative.RdKafkaProducer, conf, err, (UIntPtr)err.Length);
        if (rk == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("rd_kafka_new failed: " + CString(err));
        }
        try
        {
            IntPtr id = MockClusterNative.rd_kafka_clusterid(rk, (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue));
            if (id == IntPtr.Zero) return null;
            string? result = Marshal.PtrToStringUTF8(id);
            MockClusterNative.rd_kafka_mem_free(rk, id);
            return result;
        }
        finally
        {
            MockClusterNative.rd_kafka_destroy(rk);
        }
    }

    /// <summary>Comma-separated <c>127.0.0.1:port</c> list, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    public int DefaultPartitions { get; }

    /// <summary>Creates a topic (the mock brokers do not implement the CreateTopics API). Idempotent per name.</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        int rc = MockClusterNative.rd_kafka_mock_topic_create(Handle(), topic, partitions, Math.Min(replicationFactor, BrokerCount));
        Check(rc, $"create topic '{topic}'");
    }

    /// <summary>Makes a broker unreachable (connections closed and refused) until <see cref="SetBrokerUp"/>.</summary>
    public void SetBrokerDown(int brokerId) => Check(MockClusterNative.rd_kafka_mock_broker_set_down(Handle(), brokerId), $"set broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(MockClusterNative.rd_kafka_mock_broker_set_up(Handle(), brokerId), $"set broker {brokerId} up");

    /// <summary>
    /// Moves a partition's leadership to <paramref name="brokerId"/> (with <see cref="SetBrokerDown"/>, one partition's
    /// requests can fail while the others work).
    /// </summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Check(MockClusterNative.rd_kafka_mock_partition_set_leader(Handle(), topic, partition, brokerId), $"set the leader of {topic}-{partition} to {brokerId}");

    /// <summary>Pins the coordinator of a consumer group (<paramref name="keyType"/> "group") or transactional id ("transaction") to a broker.</summary>
    public void SetCoordinator(string keyType, string key, int brokerId) =>
        Check(MockClusterNative.rd_kafka_mock_coordinator_set(Handle(), keyType, key, brokerId), $"set the {keyType} coordinator of {key} to {brokerId}");

    /// <summary>Adds round-trip latency to every response of a broker.</summary>
    public void SetBrokerRtt(int brokerId, int rttMs) => Check(MockClusterNative.rd_kafka_mock_broker_set_rtt(Handle(), brokerId, rttMs), $"set broker {brokerId} rtt");

    /// <summary>The next <c>errors.Length</c> requests of protocol API <paramref name="apiKey"/> (e.g. 0 = Produce, 1 = Fetch) fail with these codes.</summary>
    public void PushRequestErrors(short apiKey, params Confluent.Kafka.ErrorCode[] errors)
    {
        var codes = new int[errors.Length];
        for (int i = 0; i < errors.Length; i++) codes[i] = (int)errors[i];
        MockClusterNative.rd_kafka_mock_push_request_errors_array(Handle(), apiKey, (UIntPtr)codes.Length, codes);
    }

    public void ClearRequestErrors(short apiKey) => MockClusterNative.rd_kafka_mock_clear_request_errors(Handle(), apiKey);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_cluster != IntPtr.Zero) MockClusterNative.rd_kafka_mock_cluster_destroy(_cluster);
            if (_rk != IntPtr.Zero) MockClusterNative.rd_kafka_destroy(_rk);
            _cluster = IntPtr.Zero;
            _rk = IntPtr.Zero;
        }
    }

    private IntPtr Handle()
    {
        IntPtr c = _cluster;
        if (c == IntPtr.Zero) throw new ObjectDisposedException(nameof(EmbeddedKafkaCluster));
        return c;
    }

    private static void Set(IntPtr conf, string key, string value, byte[] err)
    {
        if (MockClusterNative.rd_kafka_conf_set(conf, key, value, err, (UIntPtr)err.Length) != MockClusterNative.ConfOk)
            throw new InvalidOperationException($"librdkafka config '{key}': {CString(err)}");
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
            throw new InvalidOperationException($"embedded Kafka: {what} failed: {Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_err2str(rc))}");
    }

    private static string CString(byte[] buf)
    {
        int n = Array.IndexOf(buf, (byte)0);
        return Encoding.UTF8.GetString(buf, 0, n < 0 ? buf.Length : n);
    }
}
