using Confluent.Kafka;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// Builds the Confluent.Kafka configs of a stream thread's clients from <see cref="StreamsConfig"/>: the runtime's
/// settings first, then the user's prefixed keys (which may override everything except the reserved keys that
/// <see cref="StreamsConfig.Validate"/> rejects), then the settings the runtime must own.
/// </summary>
internal static class ClientConfigs
{
    /// <summary>
    /// The consumer group of the stream threads that run <paramref name="subtopology"/>: <c>{application.id}</c> for
    /// sub-topology 0, <c>{application.id}-sub{n}</c> for the others.
    /// </summary>
    /// <remarks>
    /// One group per sub-topology is what spreads every sub-topology's tasks evenly over the instances: librdkafka
    /// cannot run a custom (task-aware) assignor, and cooperative-sticky balances partition counts per member across
    /// all subscribed topics, so one group over all topics may give one instance every source partition and another
    /// every repartition partition. Inside one group that reads one topic, "balanced partition counts" is "tasks within
    /// ±1". Sub-topology 0 reads the job's input topics and keeps the bare application id, so offsets committed before
    /// (and tools that look at the group named after the application) still apply to the input.
    /// </remarks>
    public static string GroupId(string applicationId, int subtopology) =>
        subtopology == 0 ? applicationId : $"{applicationId}-sub{subtopology}";

    /// <param name="config">The application's config.</param>
    /// <param name="clientId">The consumer's client id.</param>
    /// <param name="subtopology">The sub-topology whose group the consumer joins.</param>
    /// <param name="singleSourceTopic">
    /// True when the consumer subscribes to one topic: then Confluent.Kafka does not marshal the topic name of each record
    /// (a native call and a new string per record, a few % of a one-span-per-message drain) and the stream thread sets
    /// the one name it subscribed to (<see cref="StreamThread"/>). Timestamps and headers are always marshalled: stream
    /// time and the headers forwarded to sinks need them.
    /// </param>
    public static ConsumerConfig MainConsumer(StreamsConfig config, string clientId, int subtopology = 0, bool singleSourceTopic = false)
    {
        var c = new ConsumerConfig
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = clientId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Fetch less ahead than librdkafka's default (64 MiB per partition): our own queues bound the rest.
            QueuedMaxMessagesKbytes = 16 * 1024,
            // Once that prefetch is full, librdkafka waits fetch.queue.backoff.ms (default 1000) before fetching again,
            // even when the thread has long emptied it: a stream thread that is slower than the fetcher then idles for up
            // to a second at a time (the bench's drain ran at 1 s bursts, ~170k spans/s). Check again soon instead.
            FetchQueueBackoffMs = 10,
        };
        foreach (var kv in config.ClientSettings(StreamsConfig.ConsumerPrefix)) c.Set(kv.Key, kv.Value);
        c.GroupId = GroupId(config.ApplicationId!, subtopology);
        c.EnableAutoCommit = false;
        c.EnableAutoOffsetStore = false;
        c.EnablePartitionEof = false;
        c.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
        c.IsolationLevel = config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2 ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted;
        c.ConsumeResultFields = singleSourceTopic ? "timestamp,headers" : "all";
        return c;
    }

    public static ConsumerConfig RestoreConsumer(StreamsConfig config, string clientId)
    {
        var c = new ConsumerConfig
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = clientId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        foreach (var kv in config.ClientSettings(StreamsConfig.ConsumerPrefix))
        {
            // Group membership settings of the main consumer mean nothing to a consumer that only assigns.
            if (!kv.Key.StartsWith("group.", StringComparison.Ordinal)) c.Set(kv.Key, kv.Value);
        }
        foreach (var kv in config.ClientSettings(StreamsConfig.RestoreConsumerPrefix)) c.Set(kv.Key, kv.Value);
        // Never joins the group (partitions are assigned directly); the id only satisfies the client and names it in broker logs.
        c.GroupId = config.ApplicationId + "-restore";
        c.EnableAutoCommit = false;
        c.EnablePartitionEof = true;
        c.IsolationLevel = config.ProcessingGuarantee == ProcessingGuarantee.ExactlyOnceV2 ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted;
        return c;
    }

    /// <summary>
    /// A consumer that only reads the committed offsets of <c>{application.id}</c>, the group that ran every sub-topology
    /// before each got its own (see <see cref="LegacyGroupOffsets"/>): it never subscribes, so it never joins that group.
    /// </summary>
    public static ConsumerConfig LegacyOffsetLookup(StreamsConfig config, string clientId)
    {
        var c = RestoreConsumer(config, clientId);
        c.GroupId = config.ApplicationId;
        c.EnablePartitionEof = false;
        return c;
    }

    /// <summary>librdkafka's default <c>message.max.bytes</c> (and <c>batch.size</c>).</summary>
    internal const int DefaultMessageMaxBytes = 1_000_000;

    /// <summary>
    /// Room left under a topic's <c>max.message.bytes</c>, which the broker applies to a whole record batch: librdkafka
    /// checks a record's key, value and headers against <c>message.max.bytes</c>, without the batch header (61 bytes)
    /// and the record's own framing (up to about 25).
    /// </summary>
    internal const int BatchOverheadBytes = 128;

    /// <summary>The stream thread's producer: the runtime's settings, then the user's <c>producer.</c> keys, then the reserved ones.</summary>
    /// <param name="config">The application's config.</param>
    /// <param name="clientId">The producer's client id.</param>
    /// <param name="transactionalId">The thread's transactional id under exactly_once_v2, else null.</param>
    /// <param name="topicLimit">
    /// The smallest <c>max.message.bytes</c> of the topics the producer writes (<see cref="ITopicAdmin.GetMaxMessageBytes"/>),
    /// or null: when it is below the producer's <c>message.max.bytes</c> (or <c>batch.size</c>), both are lowered to it
    /// less <see cref="BatchOverheadBytes"/>, so the client refuses what the broker would (see <see cref="RecordCollector"/>).
    /// </param>
    public static ProducerConfig Producer(StreamsConfig config, string clientId, string? transactionalId, int? topicLimit = null)
    {
        var c = new ProducerConfig
        {
            BootstrapServers = config.BootstrapServers,
            ClientId = clientId,
            LingerMs = 5,
            Acks = Acks.All,
            // The job writes about three times its input to Kafka, most of it features JSON (bench: 272 bytes per input
            // span to the features topic, 78 to the repartition topic and the changelog, against 120 read). LZ4 makes that
            // JSON 2.8 (one document) to 4.5 (a 1 MiB batch) times smaller, for a few percent of CPU in librdkafka's
            // threads, as Kafka deployments usually configure it; kafka.producer.compression.type overrides it.
            CompressionType = CompressionType.Lz4,
            // Keyed records land where Java clients and Kafka Streams put them (murmur2 of the key bytes), not where
            // librdkafka's default (consistent_random, CRC-32) would: reserved, so every output topic keeps that placement.
            Partitioner = Partitioner.Murmur2Random,
        };
        foreach (var kv in config.ClientSettings(StreamsConfig.ProducerPrefix)) c.Set(kv.Key, kv.Value);
        if (transactionalId is not null)
        {
            c.TransactionalId = transactionalId;
            c.EnableIdempotence = true;
        }
        FitTopicLimit(c, topicLimit);
        return c;
    }

    /// <summary>Lowers <c>message.max.bytes</c> and <c>batch.size</c> to fit <paramref name="topicLimit"/>; true if it lowered anything.</summary>
    internal static bool FitTopicLimit(ProducerConfig c, int? topicLimit)
    {
        if (topicLimit is not { } limit) return false;
        // librdkafka refuses message.max.bytes below 1000; a topic that small refuses nearly everything anyway.
        int fit = Math.Max(1000, limit - BatchOverheadBytes);
        bool lowered = false;
        if ((c.MessageMaxBytes ?? DefaultMessageMaxBytes) > fit)
        {
            c.MessageMaxBytes = fit;
            lowered = true;
        }
        if ((c.BatchSize ?? DefaultMessageMaxBytes) > fit)
        {
            c.BatchSize = fit;
            lowered = true;
        }
        return lowered;
    }

    public static AdminClientConfig Admin(StreamsConfig config)
    {
        var c = new AdminClientConfig { BootstrapServers = config.BootstrapServers, ClientId = (config.ClientId ?? config.ApplicationId) + "-admin" };
        foreach (var kv in config.ClientSettings(StreamsConfig.AdminPrefix)) c.Set(kv.Key, kv.Value);
        return c;
    }

    /// <summary>Where to start a partition that has no committed offset, after a rewind (matches <c>consumer.auto.offset.reset</c>).</summary>
    public static Offset ResetOffset(ConsumerConfig consumer) =>
        consumer.AutoOffsetReset is AutoOffsetReset.Latest ? Offset.End : Offset.Beginning;
}
