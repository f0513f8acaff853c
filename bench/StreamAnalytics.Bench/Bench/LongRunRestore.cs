using System.Diagnostics;
using Confluent.Kafka;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Sinks.Prometheus;

namespace StreamAnalytics.Bench;

/// <summary>What the long-run restore measured (see <see cref="KafkaBenchmark.LongRunRestoreAsync"/>).</summary>
/// <param name="RunSeconds">How long the first job ran, with the data produced paced over that time.</param>
/// <param name="Spans">Spans the first job assembled.</param>
/// <param name="OpenTraces">Traces still open when the first job closed (the rest had completed).</param>
/// <param name="ChangelogRecords">Records the first job wrote to the open-traces changelog: what a new owner reads on a broker that has not compacted (the embedded one never does).</param>
/// <param name="LiveRecords">Of those, the last record of each key that is not a tombstone: what a compacted log still holds.</param>
/// <param name="RestoreSeconds">From the first changelog record replayed to the last.</param>
/// <param name="OpenInLog">Traces the changelog leaves open, read in offset order by the store's rules (a record opens or extends a trace, its first chunk's tombstone closes it): what restore must rebuild.</param>
/// <param name="RestoredTraces">Open traces the second job held when the restore's last record was replayed.</param>
/// <param name="ProcessedAfterRestore">Input records the second job had processed by then (re-read input since the first job's last commit reopens traces).</param>
internal sealed record LongRunRestoreFigures(
    double RunSeconds, long Spans, long OpenTraces, long ChangelogRecords, long LiveRecords, long OpenInLog, double RestoreSeconds,
    long RestoredTraces, long ProcessedAfterRestore);

internal sealed partial class KafkaBenchmark
{
    /// <summary>
    /// Restore after a long run: a first job assembles <paramref name="data"/> produced paced over
    /// <paramref name="runSeconds"/> (record timestamps, so stream time, advance with the wall clock), so the gap rule
    /// completes most traces while it runs and the changelog is what a job of that age leaves; it closes (its final
    /// commit writes the record cache), and a second job with the same application id restores every task.
    /// </summary>
    public async Task<LongRunRestoreFigures> LongRunRestoreAsync(BenchDataSet data, double runSeconds, long gapMs)
    {
        string appId = $"bench-longrun-{_runId}";
        await CreateTopicAsync(appId);
        var settings = JobSettings(appId, appId, gapMs, announce: false, ShortSessionOnMock([]));
        string changelog = $"{appId}-{OpenTraceStore.DefaultName}-changelog";
        using var derived = new DerivedMetrics();
        long changelogRecords, openTraces;
        var run = Stopwatch.StartNew();
        using (var progress = new ProcessedRecords(appId, data.Messages.Length + data.RepartitionRecords))
        {
            var first = BuildJob(settings, new BenchSink(), derived);
            await using (first)
            {
                first.Start();
                ProducePacedTo(appId, data, data.Spans / runSeconds);
                await WaitAsync(progress.Done, first, "the long-run restore's first job did not process every record");
                openTraces = AssemblyGauge("assembly_open_traces");
                if (!await first.CloseAsync(TimeSpan.FromSeconds(60))) throw new InvalidOperationException("bench: the long-run restore's first job did not close in time");
            }
        }
        double ranFor = run.Elapsed.TotalSeconds;
        // Read after the close: its final commit wrote what the record cache still held.
        (changelogRecords, long live, long openInLog) = ReadChangelog(changelog);
        if (changelogRecords == 0) throw new InvalidOperationException("bench: the long-run restore's first job logged nothing to the open-traces changelog");

        var restore = await RestoreInSecondJobAsync(settings, derived, appId, changelogRecords, "long-run restore");
        if (restore.Replayed != changelogRecords) Console.Write($" [changelog records replayed: {restore.Replayed:N0}]");
        return new LongRunRestoreFigures(ranFor, data.Spans, openTraces, changelogRecords, live, openInLog, restore.Seconds,
            restore.OpenTraces, restore.ProcessedRecords);
    }

    /// <summary>What a second job with the same application id saw when it had restored every task.</summary>
    private readonly record struct SecondJobRestore(double Seconds, long OpenTraces, long Replayed, long ProcessedRecords);

    /// <summary>
    /// Starts a second job on the first one's application id and state, times its open-traces restore
    /// (<c>streams.restore.records</c>, see <see cref="RestoreSeconds"/>), waits for every partition's restore, and
    /// reads the open traces it holds, the changelog records it replayed and the input it processed, then closes it.
    /// </summary>
    private async Task<SecondJobRestore> RestoreInSecondJobAsync(TraceJobSettings settings, DerivedMetrics derived, string appId, long changelogRecords, string phase)
    {
        using var restored = new ProcessedRecords(appId, changelogRecords, "streams.restore.records");
        var second = BuildJob(settings, new BenchSink(), derived);
        await using (second)
        {
            long started = Stopwatch.GetTimestamp();
            second.Start();
            await WaitUntilAsync(() => restored.Done.IsCompleted, second, () => $"the {phase}'s second job restored {second.GetStatus().RestoredRecords} of {changelogRecords} changelog records");
            double seconds = RestoreSeconds(restored.First.Timestamp, restored.Last.Timestamp, started);
            await WaitRestoredAsync(second);
            long openTraces = AssemblyGauge("assembly_open_traces");
            var status = second.GetStatus();
            long replayed = status.Restores.Where(r => r.Store == OpenTraceStore.DefaultName).Sum(r => r.RestoredRecords);
            await second.CloseAsync(TimeSpan.FromSeconds(30));
            return new SecondJobRestore(seconds, openTraces, replayed, status.RecordsProcessed);
        }
    }

    /// <summary>
    /// The mock broker, unlike Kafka, does not empty a group when its last member leaves: it waits for the others to
    /// rejoin for session.timeout.ms - 1 s (44 s by default) and holds the next member's join that long
    /// (rdkafka_mock_cgrp.c). On the embedded cluster a short session keeps that wait, outside the measured restore, to 2 s.
    /// </summary>
    private Dictionary<string, string> ShortSessionOnMock(Dictionary<string, string> extra)
    {
        if (_cluster is not null)
        {
            extra["kafka.consumer.session.timeout.ms"] = "3000";
            extra["kafka.consumer.heartbeat.interval.ms"] = "500";
        }
        return extra;
    }

    /// <summary>
    /// From the first changelog record replayed to the last. The counter moves once per restore batch, so a restore that
    /// fits one batch has no span between them: then from the job's start (an upper bound, the group join included).
    /// </summary>
    private static double RestoreSeconds(long first, long last, long started) =>
        last > first ? Stopwatch.GetElapsedTime(first, last).TotalSeconds : Stopwatch.GetElapsedTime(started, last).TotalSeconds;

    /// <summary>Waits until every open-traces changelog partition has completed its restore (a task moved by a rebalance restores again).</summary>
    private async Task WaitRestoredAsync(Streams.IKafkaStreams streams) =>
        await WaitUntilAsync(() => streams.GetStatus().Restores.Count(r => r.State == Streams.ChangelogState.Completed && r.Store == OpenTraceStore.DefaultName) >= Partitions
            && streams.GetStatus().Restores.All(r => r.State == Streams.ChangelogState.Completed), streams, () => "the restore did not complete on every partition");

    /// <summary>Produces <paramref name="data"/> to <paramref name="topic"/> at <paramref name="spansPerSecond"/>.</summary>
    private void ProducePacedTo(string topic, BenchDataSet data, double spansPerSecond)
    {
        long failed = 0;
        using var producer = new ProducerBuilder<byte[]?, byte[]>(ProducerConfig()).Build();
        long start = Stopwatch.GetTimestamp();
        double ticksPerSpan = Stopwatch.Frequency / spansPerSecond;
        long spansSent = 0;
        for (int i = 0; i < data.Messages.Length; i++)
        {
            long due = start + (long)(spansSent * ticksPerSpan);
            while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1);
            Produce(producer, topic, i % Partitions, data.Messages[i], r => { if (r.Error.IsError) Interlocked.Increment(ref failed); });
            spansSent += data.SpansInMessage[i];
        }
        producer.Flush(TimeSpan.FromMinutes(1));
        if (Interlocked.Read(ref failed) > 0) throw new InvalidOperationException($"bench: {failed} long-run messages were not delivered");
    }

    /// <summary>
    /// Reads a whole changelog: its records, the keys whose last record is not a tombstone (what compaction keeps), and
    /// the traces it leaves open by the store's restore rules.
    /// </summary>
    private (long Records, long Live, long OpenTraces) ReadChangelog(string changelog)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = "bench-changelog-reader-" + _runId,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(changelog, p, Offset.Beginning)));
        var live = new Dictionary<string, bool>(StringComparer.Ordinal);
        var open = new Dictionary<string, bool>(StringComparer.Ordinal);
        long read = 0;
        int eofs = 0;
        var deadline = Stopwatch.StartNew();
        while (eofs < Partitions && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            var cr = consumer.Consume(TimeSpan.FromSeconds(1));
            if (cr is null) continue;
            if (cr.IsPartitionEOF)
            {
                eofs++;
                continue;
            }
            read++;
            live[cr.Partition.Value + ":" + Convert.ToHexString(cr.Message.Key)] = cr.Message.Value is not null;
            // A trace's first chunk is keyed by the 16-byte trace id alone; only its tombstone closes the trace.
            string trace = cr.Partition.Value + ":" + Convert.ToHexString(cr.Message.Key.AsSpan(0, Math.Min(16, cr.Message.Key.Length)));
            if (cr.Message.Value is not null) open[trace] = true;
            else if (cr.Message.Key.Length == 16) open[trace] = false;
        }
        if (eofs < Partitions) throw new InvalidOperationException($"bench: {changelog} was not read to its end within 2 minutes");
        long n = 0;
        foreach (bool isLive in live.Values) if (isLive) n++;
        long openTraces = 0;
        foreach (bool isOpen in open.Values) if (isOpen) openTraces++;
        return (read, n, openTraces);
    }
}
