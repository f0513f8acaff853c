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

    public int? GetMaxMessageBytes(IReadOnlyList<string> topics)
    {
        if (topics.Count == 0) return null;
        using var admin = new AdminClientBuilder(config).Build();
        int? smallest = null;
        foreach (string topic in topics)
        {
            List<DescribeConfigsResult> results;
            try
            {
                results = admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }], new DescribeConfigsOptions { RequestTimeout = timeout })
                    .GetAwaiter().GetResult();
            }
            catch (DescribeConfigsException)
            {
                continue; // the topic does not exist (yet) or may not be described: its broker enforces what it enforces
            }
            catch (KafkaException)
            {
                return smallest; // the broker does not implement DescribeConfigs (the embedded cluster) or did not answer
            }
            foreach (var result in results)
            {
                if (result.Entries.TryGetValue("max.message.bytes", out var entry)
                    && int.TryParse(entry.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bytes)
                    && (smallest is null || bytes < smallest))
                {
                    smallest = bytes;
                }
            }
        }
        return smallest;
    }

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
