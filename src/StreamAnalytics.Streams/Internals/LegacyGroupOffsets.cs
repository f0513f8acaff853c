using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// Start offsets for a sub-topology's partitions that its own group has never committed, taken from the group that
/// ran every sub-topology before the runtime gave each one its own group (<see cref="ClientConfigs.GroupId"/>).
/// </summary>
/// <remarks>
/// Why: an application upgraded from the single-group layout committed its repartition offsets as
/// <c>{application.id}</c>. The new <c>{application.id}-sub{n}</c> group starts with none, and
/// <c>auto.offset.reset=earliest</c> would re-read every retained repartition record: traces emitted and aggregated a
/// second time. So when a partition is first assigned to this thread and its own group has no offset, the legacy
/// group's offset for it (if any) is where it starts. Only the first assignment of each partition asks (one OffsetFetch
/// of the own group, one of the legacy group when something is missing); a fresh application finds nothing in either
/// and starts as before. The lookup consumer never subscribes, so it never joins the legacy group.
/// </remarks>
internal sealed class LegacyGroupOffsets(string ownGroup, ConsumerConfig lookupConfig, TimeSpan timeout, ILogger logger)
{
    private readonly HashSet<TopicPartition> _checked = [];

    /// <summary>
    /// The offsets to assign <paramref name="assigned"/> at: the legacy group's offset where the own group has none,
    /// <see cref="Offset.Unset"/> (the own group's committed offset, or the reset policy) everywhere else.
    /// </summary>
    public List<TopicPartitionOffset> StartOffsets(IConsumer<byte[], byte[]> own, List<TopicPartition> assigned)
    {
        var seeds = new Dictionary<TopicPartition, Offset>();
        var firstTime = new List<TopicPartition>();
        foreach (var p in assigned)
        {
            if (!_checked.Contains(p)) firstTime.Add(p);
        }
        if (firstTime.Count > 0)
        {
            try
            {
                var missing = new List<TopicPartition>();
                foreach (var c in own.Committed(firstTime, timeout))
                {
                    if (c.Offset == Offset.Unset) missing.Add(c.TopicPartition);
                }
                if (missing.Count > 0)
                {
                    using var lookup = new ConsumerBuilder<byte[], byte[]>(lookupConfig).Build();
                    foreach (var c in lookup.Committed(missing, timeout))
                    {
                        if (c.Offset.IsSpecial) continue;
                        seeds[c.TopicPartition] = c.Offset;
                        logger.LogInformation("{Partition} has no offset in group {Group}: starting at {Offset}, committed by group {Legacy} before the per-sub-topology groups",
                            c.TopicPartition, ownGroup, c.Offset.Value, lookupConfig.GroupId);
                    }
                }
                foreach (var p in firstTime) _checked.Add(p);
            }
            catch (KafkaException ex)
            {
                // Asked again at the next assignment; until then the partitions start where librdkafka would have started them.
                logger.LogWarning("Cannot read committed offsets to carry over from group {Legacy} ({Error}); starting from the own group's offsets",
                    lookupConfig.GroupId, ex.Error.Reason);
            }
        }
        var offsets = new List<TopicPartitionOffset>(assigned.Count);
        foreach (var p in assigned) offsets.Add(new TopicPartitionOffset(p, seeds.TryGetValue(p, out var o) ? o : Offset.Unset));
        return offsets;
    }
}
