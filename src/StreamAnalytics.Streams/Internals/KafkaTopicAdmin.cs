using Confluent.Kafka;
using Confluent.Kafka.Admin;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>The default <see cref="ITopicAdmin"/>: Confluent.Kafka's AdminClient with the <c>admin.</c> settings.</summary>
internal sealed class KafkaTopicAdmin(AdminClientConfig config, TimeSpan timeout) : ITopicAdmin
{
    public int? GetPartitionCount(string topic)
    {
        using var admin = new AdminClientBuilder(config).Build();
        return PartitionCount(admin, topic, timeout);
    }

    public void CreateTopics(IReadOnlyList<InternalTopicSpec> topics)
    {
        if (topics.Count == 0) return;
        using var admin = new AdminClientBuilder(config).Build();
        var specs = topics.Select(t => new TopicSpecification
        {
            Name = t.Name,
            NumPartitions = t.Partitions,
            ReplicationFactor = t.ReplicationFactor,
            Configs = t.Configs.ToDictionary(kv => kv.Key, kv => kv.Value),
        }).ToList();
        try
        {
            admin.CreateTopicsAsync(specs, new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout }).GetAwaiter().GetResult();
        }
        catch (CreateTopicsException ex)
        {
            var failed = ex.Results.Where(r => r.Error.Code is not ErrorCode.NoError and not ErrorCode.TopicAlreadyExists).ToList();
            if (failed.Count > 0)
                throw new StreamsException("creating internal topics failed: " + string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Code} {r.Error.Reason}")), ex);
        }
    }

    /// <remarks>
    /// One DescribeConfigs request for all topics, waiting at most <see cref="DescribeTimeout"/>: a broker that does not
    /// implement it (librdkafka's mock cluster) lets the request wait out its whole timeout, which would hold up Start.
    /// </remarks>
    public IReadOnlyDictionary<string, int>? GetMaxMessageBytes(IReadOnlyList<string> topics)
    {
        if (topics.Count == 0) return null;
        using var admin = new AdminClientBuilder(config).Build();
        var resources = topics.Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t }).ToList();
        var wait = timeout < DescribeTimeout ? timeout : DescribeTimeout;
        List<(string Topic, Dictionary<string, ConfigEntryResult> Entries)> described;
        try
        {
            described = admin.DescribeConfigsAsync(resources, new DescribeConfigsOptions { RequestTimeout = wait }).GetAwaiter().GetResult()
                .Select(r => (r.ConfigResource.Name, r.Entries)).ToList();
        }
        catch (DescribeConfigsException ex)
        {
            // Some topics could not be described (absent, not authorised): use the others.
            described = ex.Results.Where(r => r.Error.Code == ErrorCode.NoError).Select(r => (r.ConfigResource.Name, r.Entries)).ToList();
        }
        catch (KafkaException)
        {
            return null; // the broker does not implement DescribeConfigs or did not answer in time
        }
        var limits = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (topic, entries) in described)
        {
            if (entries.TryGetValue("max.message.bytes", out var entry)
                && int.TryParse(entry.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bytes))
            {
                limits[topic] = bytes;
            }
        }
        return limits;
    }

    /// <summary>The longest the topic-limit lookup may hold up Start.</summary>
    internal static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Partition count from all-topic metadata (asking for one topic could auto-create it).</summary>
    internal static int? PartitionCount(IAdminClient admin, string topic, TimeSpan timeout)
    {
        var meta = admin.GetMetadata(timeout);
        foreach (var t in meta.Topics)
        {
            if (t.Topic == topic && t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0) return t.Partitions.Count;
        }
        return null;
    }
}
