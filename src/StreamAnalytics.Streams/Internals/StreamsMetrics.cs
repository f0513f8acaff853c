using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// Instruments of one instance on a <see cref="Meter"/> named <see cref="MeterName"/> (one Meter per instance, all
/// tagged <c>application.id</c>). Counters only go up. The gauges read the stream threads' last snapshots.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>streams.records.consumed</term><description>counter {record}: polled from input topics.</description></item>
/// <item><term>streams.records.processed</term><description>counter {record}: handed to a source node.</description></item>
/// <item><term>streams.records.dead_lettered</term><description>counter {record}: sent to the dead-letter topic.</description></item>
/// <item><term>streams.records.skipped</term><description>counter {record}: undeserializable and skipped.</description></item>
/// <item><term>streams.commits</term><description>counter {commit}: successful commits (offsets and outputs).</description></item>
/// <item><term>streams.commit.failures</term><description>counter {commit}: failed commits (the tasks rewind to the last commit).</description></item>
/// <item><term>streams.rebalances</term><description>counter {rebalance}: assignment and revocation callbacks.</description></item>
/// <item><term>streams.restore.records</term><description>counter {record}: changelog records replayed into stores.</description></item>
/// <item><term>streams.records.produced</term><description>observable counter {record}, tag topic: records handed to the producer (sinks, changelogs, dead letters).</description></item>
/// <item><term>streams.produced</term><description>observable counter By, tag topic: their key and value bytes, before compression.</description></item>
/// <item><term>streams.consumer.lag</term><description>gauge {record}, tags topic, partition: high watermark minus committed offset.</description></item>
/// <item><term>streams.queue.size</term><description>gauge {record}, tags topic, partition: records waiting in the input queue.</description></item>
/// <item><term>streams.paused.partitions</term><description>gauge {partition}: input partitions paused because a sink is blocked (back-pressure, see <c>IBackPressure</c>).</description></item>
/// <item><term>streams.backpressure</term><description>observable counter s: stream-thread time spent paused by a blocked sink (summed over threads).</description></item>
/// <item><term>streams.tasks.owned</term><description>gauge {task}, tag subtopology: tasks this instance runs, per sub-topology (0 included), so an operator sees how the groups spread the work.</description></item>
/// </list>
/// Thread-safe.
/// </remarks>
internal sealed class StreamsMetrics : IDisposable
{
    public const string MeterName = "StreamAnalytics.Streams";

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _app;
    private readonly Counter<long> _consumed;
    private readonly Counter<long> _processed;
    private readonly Counter<long> _restored;
    private readonly ConcurrentDictionary<string, ProducedTally> _produced = new(StringComparer.Ordinal);
    private long _consumedTotal, _processedTotal, _deadLetteredTotal, _skippedTotal, _tooLargeTotal, _commitsTotal, _commitFailuresTotal, _rebalancesTotal, _restoredTotal;
    private long _pausedPartitions, _backPressureMs;

    public StreamsMetrics(string applicationId, Func<IEnumerable<PartitionStatus>>? partitions = null, Func<IReadOnlyList<int>>? tasksPerSubtopology = null)
    {
        _meter = new Meter(MeterName);
        _app = new("application.id", applicationId);
        // Progress counters stay plain counters: the bench times the first and the n-th record by their events.
        _consumed = _meter.CreateCounter<long>("streams.records.consumed", "{record}", "Records polled from input topics");
        _processed = _meter.CreateCounter<long>("streams.records.processed", "{record}", "Records handed to a source node");
        _restored = _meter.CreateCounter<long>("streams.restore.records", "{record}", "Changelog records replayed into stores");
        // What alerts watch is observable over the totals: each series exists from the first scrape at 0, so
        // rate(...) > 0 sees the first dead letter or failed commit (a plain counter's series starts at its first add).
        Count("streams.records.dead_lettered", () => DeadLettered, "Records sent to the dead-letter topic");
        Count("streams.records.too_large", () => TooLarge,
            "Records the producer refused as larger than message.max.bytes, replaced by a small dead letter naming the reason");
        Count("streams.records.skipped", () => Skipped, "Undeserializable records skipped");
        Count("streams.commits", () => Commits, "Successful commits", "{commit}");
        Count("streams.commit.failures", () => CommitFailures, "Failed commits", "{commit}");
        Count("streams.rebalances", () => Rebalances, "Partition assignment and revocation callbacks", "{rebalance}");
        _meter.CreateObservableGauge("streams.paused.partitions", () => new Measurement<long>(PausedPartitions, _app), "{partition}",
            "Input partitions paused because a sink is blocked (back-pressure); the consumer keeps polling");
        _meter.CreateObservableCounter("streams.backpressure", () => new Measurement<double>(BackPressureMs / 1000.0, _app), "s",
            "Stream-thread time spent paused by a blocked sink, summed over threads");
        // Per topic, so an operator sees what the job writes to Kafka for each input record (repartition, changelogs,
        // outputs): observable, because the send path runs per record and only adds to a tally.
        _meter.CreateObservableCounter("streams.records.produced", () => ObserveProduced(static t => t.Records), "{record}",
            "Records handed to the producer, per topic (sinks, changelogs, dead letters)");
        _meter.CreateObservableCounter("streams.produced", () => ObserveProduced(static t => t.Bytes), "By",
            "Key and value bytes handed to the producer, per topic, before compression");
        if (partitions is not null)
        {
            _meter.CreateObservableGauge("streams.consumer.lag", () => Observe(partitions, p => p.Lag), "{record}", "High watermark minus committed offset");
            _meter.CreateObservableGauge("streams.queue.size", () => Observe(partitions, p => p.QueuedRecords), "{record}", "Records waiting in the input queue");
        }
        if (tasksPerSubtopology is not null)
        {
            _meter.CreateObservableGauge("streams.tasks.owned", () => ObserveTasks(tasksPerSubtopology), "{task}", "Tasks this instance runs, per sub-topology");
        }
    }

    public long Consumed => Interlocked.Read(ref _consumedTotal);
    public long Processed => Interlocked.Read(ref _processedTotal);
    public long DeadLettered => Interlocked.Read(ref _deadLetteredTotal);
    public long Skipped => Interlocked.Read(ref _skippedTotal);
    public long TooLarge => Interlocked.Read(ref _tooLargeTotal);
    public long Commits => Interlocked.Read(ref _commitsTotal);
    public long CommitFailures => Interlocked.Read(ref _commitFailuresTotal);
    public long Rebalances => Interlocked.Read(ref _rebalancesTotal);
    public long Restored => Interlocked.Read(ref _restoredTotal);
    public long PausedPartitions => Interlocked.Read(ref _pausedPartitions);
    public long BackPressureMs => Interlocked.Read(ref _backPressureMs);

    public void RecordConsumed(int n = 1) => Add(_consumed, ref _consumedTotal, n);
    public void RecordProcessed(int n = 1) => Add(_processed, ref _processedTotal, n);
    public void RecordDeadLettered() => Interlocked.Increment(ref _deadLetteredTotal);
    public void RecordTooLarge() => Interlocked.Increment(ref _tooLargeTotal);
    public void RecordSkipped() => Interlocked.Increment(ref _skippedTotal);
    public void RecordCommit() => Interlocked.Increment(ref _commitsTotal);
    public void RecordCommitFailure() => Interlocked.Increment(ref _commitFailuresTotal);
    public void RecordRebalance() => Interlocked.Increment(ref _rebalancesTotal);
    public void RecordPausedPartitions(int delta) => Interlocked.Add(ref _pausedPartitions, delta);
    public void RecordBackPressure(long ms) => Interlocked.Add(ref _backPressureMs, ms);
    public void RecordRestored(int n) => Add(_restored, ref _restoredTotal, n);

    /// <summary>The tally of one output topic (one per topic name, shared by the stream threads; topics come from the topology, so few).</summary>
    public ProducedTally ProducedTo(string topic) => _produced.GetOrAdd(topic, static t => new ProducedTally(t));

    public void Dispose() => _meter.Dispose();

    private void Add(Counter<long> counter, ref long total, int n)
    {
        Interlocked.Add(ref total, n);
        counter.Add(n, _app);
    }

    private void Count(string name, Func<long> total, string description, string unit = "{record}") =>
        _meter.CreateObservableCounter(name, () => new Measurement<long>(total(), _app), unit, description);

    private IEnumerable<Measurement<long>> ObserveProduced(Func<ProducedTally, long> value)
    {
        foreach (ProducedTally t in _produced.Values) yield return new Measurement<long>(value(t), _app, new("topic", t.Topic));
    }

    private IEnumerable<Measurement<long>> ObserveTasks(Func<IReadOnlyList<int>> tasksPerSubtopology)
    {
        var counts = tasksPerSubtopology();
        for (int sub = 0; sub < counts.Count; sub++) yield return new Measurement<long>(counts[sub], _app, new("subtopology", sub));
    }

    private IEnumerable<Measurement<long>> Observe(Func<IEnumerable<PartitionStatus>> partitions, Func<PartitionStatus, long?> value)
    {
        foreach (var p in partitions())
        {
            if (value(p) is { } v)
                yield return new Measurement<long>(v, _app, new("topic", p.Topic), new("partition", p.Partition));
        }
    }
}
