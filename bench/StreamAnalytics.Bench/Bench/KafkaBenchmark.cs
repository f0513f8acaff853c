using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Testing.Embedded;

namespace StreamAnalytics.Bench;

/// <summary>
/// The Kafka phases of <c>bench</c>: pre-produce the data to a topic, drain it with a bare consumer, drain it with the
/// trace job, then measure completion latency with the same job on a paced live load.
/// </summary>
/// <remarks>
/// Uses <c>KAFKA_BOOTSTRAP</c> when set (topics <c>bench-*-{run}</c> are created there and left behind), else an
/// in-process <see cref="EmbeddedKafkaCluster"/> (librdkafka's mock brokers, which run on this machine's cores too).
/// Both drains are timed from the first record they see to the last, so group joins and first fetches are excluded
/// from both alike.
/// </remarks>
internal sealed partial class KafkaBenchmark : IDisposable
{
    public const int Partitions = 8;

    /// <summary>
    /// <c>fetch.wait.max.ms</c> of both consumers on the embedded cluster. librdkafka's mock broker holds a fetch that
    /// found no data for the whole wait instead of answering when data arrives (rdkafka_mock_handlers.c says so), which
    /// a real broker does not; with the default 500 ms every idle hop of the job would add up to half a second.
    /// </summary>
    public const int EmbeddedFetchWaitMs = 10;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(10);

    private readonly EmbeddedKafkaCluster? _cluster;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly ILoggerFactory _loggerFactory;

    private KafkaBenchmark(EmbeddedKafkaCluster? cluster, string bootstrap, ILoggerFactory loggerFactory)
    {
        _cluster = cluster;
        Bootstrap = bootstrap;
        _loggerFactory = loggerFactory;
        Topic = $"bench-spans-{_runId}";
    }

    public string Bootstrap { get; }

    public bool Embedded => _cluster is not null;

    public string Topic { get; }

    public static KafkaBenchmark Start(ILoggerFactory loggerFactory)
    {
        string? external = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP");
        if (!string.IsNullOrWhiteSpace(external)) return new KafkaBenchmark(null, external, loggerFactory);
        var cluster = EmbeddedKafkaCluster.Start(brokers: 1, defaultPartitions: Partitions);
        return new KafkaBenchmark(cluster, cluster.BootstrapServers, loggerFactory);
    }

    public Task CreateTopicAsync() => CreateTopicAsync(Topic);

    internal async Task CreateTopicAsync(string topic, int partitions = Partitions)
    {
        if (_cluster is not null)
        {
            _cluster.CreateTopic(topic, partitions);
            return;
        }
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 }]);
    }

    /// <summary>Produces every message, round-robin over the partitions, as <c>generate</c> configures its producer.</summary>
    public void ProduceAll(BenchDataSet data) => ProduceAll(data, Topic);

    private void ProduceAll(BenchDataSet data, string topic)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(ProducerConfig()).Build();
        long failed = 0;
        for (int i = 0; i < data.Messages.Length; i++)
            Produce(producer, topic, i % Partitions, data.Messages[i], r => { if (r.Error.IsError) Interlocked.Increment(ref failed); });
        producer.Flush(TimeSpan.FromMinutes(2));
        if (Interlocked.Read(ref failed) > 0) throw new InvalidOperationException($"bench: {failed} messages were not delivered to {topic}");
        // The mock brokers keep about 5 MiB per partition and silently delete older batches; a drain would then never end.
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Bootstrap, GroupId = $"bench-check-{_runId}" }).Build();
        for (int p = 0; p < Partitions; p++)
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            if (w.Low.Value > 0)
                throw new InvalidOperationException($"bench: the broker deleted the first {w.Low.Value} records of {topic}[{p}] (the embedded cluster keeps about 5 MiB per partition); use a smaller --kafka-spans or KAFKA_BOOTSTRAP");
        }
    }

    /// <summary>
    /// A bare consumer (assigned every partition, no group join) drains the topic; spans per second from its first
    /// message to its last; the median of <c>passes</c> drains, each by a new consumer (one drain of the embedded
    /// cluster takes well under a second). Fetch settings as the engine's consumer (<c>queued.max.messages.kbytes</c> = 16 MiB).
    /// </summary>
    public double RawConsumeSpansPerSecond(BenchDataSet data, int passes)
    {
        var rates = new List<double>();
        for (int i = 0; i < passes; i++) rates.Add(RawConsumeOnce(data, i));
        rates.Sort();
        return rates[rates.Count / 2];
    }

    private double RawConsumeOnce(BenchDataSet data, int pass)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = $"bench-raw-{_runId}-{pass}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            QueuedMaxMessagesKbytes = 16 * 1024,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = false,
        };
        if (_cluster is not null) config.FetchWaitMaxMs = EmbeddedFetchWaitMs;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var partitions = new List<TopicPartitionOffset>();
        for (int p = 0; p < Partitions; p++) partitions.Add(new TopicPartitionOffset(Topic, p, Offset.Beginning));
        consumer.Assign(partitions);
        long count = 0, bytes = 0, first = 0;
        var deadline = Stopwatch.StartNew();
        while (count < data.Messages.Length)
        {
            if (deadline.Elapsed > DrainTimeout) throw new TimeoutException($"bench: the raw consumer read {count} of {data.Messages.Length} messages in {DrainTimeout}");
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null) continue;
            if (count == 0) first = Stopwatch.GetTimestamp();
            count++;
            bytes += record.Message.Value.Length;
        }
        double seconds = Stopwatch.GetElapsedTime(first).TotalSeconds;
        consumer.Close();
        if (bytes != data.Bytes) throw new InvalidOperationException($"bench: the raw consumer read {bytes} bytes, {data.Bytes} were produced");
        return data.Spans / seconds;
    }

    /// <summary>
    /// Runs the trace job (the topology of <c>run</c>) on the topic: drains the pre-produced data (timed), checks that
    /// every span reached a completed trace, then produces <paramref name="latencyData"/> paced at
    /// <paramref name="latencySpansPerSecond"/> and measures each trace's completion latency.
    /// </summary>
    public async Task<JobFigures> RunJobAsync(BenchDataSet data, BenchDataSet latencyData, double latencySpansPerSecond, long gapMs)
    {
        string appId = $"bench-{_runId}";
        var settings = JobSettings(appId, Topic, gapMs, announce: true);
        var sink = new BenchSink();
        // As TraceJobHost: derived metrics per trace, and a collector listening to every StreamAnalytics Meter.
        using var derived = new DerivedMetrics();
        using var collector = new MetricsCollector(settings.Metrics);

        // The drain is done when every source record and every repartition record has been handed to its source
        // node; the job is done when the features of the last trace have been handed to the sink.
        using var progress = new ProcessedRecords(appId, data.Messages.Length + data.RepartitionRecords);
        sink.MarkWhenCountReaches(data.Traces);
        using var markProducer = ConnectedProducer(Topic);
        var streams = BuildJob(settings, sink, derived);
        await using (streams)
        {
            bool threadCpu = Environment.GetEnvironmentVariable("BENCH_THREAD_CPU") == "1";
            var cpuBefore = threadCpu ? ThreadCpu.Snapshot() : null;
            var cpuClock = Stopwatch.StartNew();
            streams.Start();
            var timeline = threadCpu ? Task.Run(async () =>
            {
                var sb = new System.Text.StringBuilder("  records consumed/processed, traces emitted, every 100 ms:");
                var previous = ThreadCpu.Snapshot();
                while (sink.Traces < data.Traces)
                {
                    var st = streams.GetStatus();
                    // The stream thread's CPU in the last interval (ms), to tell work from waiting.
                    var now = ThreadCpu.Snapshot();
                    long busy = 0;
                    foreach (var (name, ticks) in ThreadCpu.TicksByName(previous, now))
                        if (name.StartsWith(appId, StringComparison.Ordinal)) busy += ticks;
                    previous = now;
                    sb.Append($" {st.RecordsConsumed}/{st.RecordsProcessed},{sink.Traces}@{busy * 1000 / ThreadCpu.TicksPerSecond}");
                    await Task.Delay(100);
                }
                return sb.ToString();
            }) : Task.FromResult("");
            await WaitAsync(progress.Done, streams, "the job did not process every record");
            double ingest = data.Spans * progress.WindowShare / progress.First.SecondsTo(progress.Last);
            ProduceWatermark(Topic, settings, markProducer);

            // Every trace emitted once (revision 0). A trace whose spans the drain delivered more than a gap apart
            // (source partitions progress unevenly) comes out early and again as a late revision; those are counted.
            // The moment is written just after the count moves: wait for the moment itself, not the count.
            await WaitUntilAsync(() => sink.CountReachedAt != 0, streams, () => $"the job emitted {sink.Traces} of {data.Traces} traces");
            if (threadCpu) Console.WriteLine("\n" + await timeline + $" (targets {data.Messages.Length + data.RepartitionRecords} records, {data.Traces} traces)");
            if (cpuBefore is not null) Console.WriteLine("\n" + ThreadCpu.Describe(cpuBefore, ThreadCpu.Snapshot(), cpuClock.Elapsed));
            double endToEnd = data.Spans * progress.WindowShare / Stopwatch.GetElapsedTime(progress.First.Timestamp, sink.CountReachedAt).TotalSeconds;
            long traces = sink.Traces;
            long revisions = sink.Revisions;

            sink.RecordEmissions = true;
            long[] acked = ProducePaced(latencyData, latencySpansPerSecond);
            await WaitUntilAsync(() => sink.Traces >= traces + latencyData.Traces, streams,
                () => $"the job emitted {sink.Traces - traces} of {latencyData.Traces} traces of the latency load");
            double p99 = CompletionLatencyP99Ms(latencyData, acked, sink, gapMs);

            var status = streams.GetStatus();
            // Over the whole run (drain, end-of-data mark, latency load), while the job's meter still exists.
            var writes = KafkaWrites.Read(appId, data.Spans + latencyData.Spans);
            await streams.CloseAsync(TimeSpan.FromSeconds(30));
            return new JobFigures(endToEnd, ingest, p99, traces, revisions, latencyData.Traces, status.CommitFailures, status.RecordsDeadLettered, writes);
        }
    }

    /// <summary>
    /// How fast a new owner rebuilds open traces from the changelog: a first job drains the data with a gap and a root
    /// grace of an hour, so every trace is still open when it closes (its final commit flushes the changelog); a second
    /// job with the same application id then restores every task. Timed from the first changelog record replayed to
    /// the last (<c>streams.restore.records</c>), so the group join is left out; checked by the open traces the second
    /// job then holds.
    /// </summary>
    public async Task<RestoreFigures> RestoreAsync(BenchDataSet data)
    {
        // Its own topic: the data topic also holds the end-of-data mark and the latency load by now.
        string appId = $"bench-restore-{_runId}";
        await CreateTopicAsync(appId);
        ProduceAll(data, appId);
        var extra = ShortSessionOnMock(new Dictionary<string, string> { ["assembly.root.grace.ms"] = "3600000" });
        var settings = JobSettings(appId, appId, gapMs: 3_600_000, announce: false, extra);
        using var derived = new DerivedMetrics();
        long changelogRecords;
        using (var progress = new ProcessedRecords(appId, data.Messages.Length + data.RepartitionRecords))
        {
            var first = BuildJob(settings, new BenchSink(), derived);
            await using (first)
            {
                first.Start();
                await WaitAsync(progress.Done, first, "the restore bench's first job did not process every record");
                if (!await first.CloseAsync(TimeSpan.FromSeconds(60))) throw new InvalidOperationException("bench: the restore bench's first job did not close in time");
                // Read from the topic after the close: the record cache is written at commits, the last one at close.
                changelogRecords = ReadChangelog($"{appId}-{Features.Assembly.OpenTraceStore.DefaultName}-changelog").Records;
            }
        }
        if (changelogRecords == 0) throw new InvalidOperationException("bench: the restore bench's first job logged nothing to the open-traces changelog");

        var restore = await RestoreInSecondJobAsync(settings, derived, appId, changelogRecords, "restore bench");
        if (restore.OpenTraces != data.Traces)
            throw new InvalidOperationException($"bench: after the restore the job holds {restore.OpenTraces} open traces, the data has {data.Traces}");
        return new RestoreFigures(data.Spans / restore.Seconds, restore.Seconds, changelogRecords, restore.OpenTraces);
    }

    /// <summary>The sum over tasks of one of the assembler's gauges (only one job runs when it is read).</summary>
    private static long AssemblyGauge(string name)
    {
        long sum = 0;
        MeterReading.Read(Features.Assembly.AssemblyMeter.MeterName, n => n == name, (_, value, _, _) => sum += value);
        return sum;
    }

    /// <summary>
    /// Runs two separate jobs (each with its own topic and application id) over <paramref name="data"/> to the end, then
    /// waits until the JIT is quiet, so the measured drain starts with the code of the job, its serializers and the Kafka
    /// clients at their optimised tiers, as in a long-running engine; the in-process figures likewise come after a
    /// warm-up pass. Two rounds, because the runtime only starts counting calls towards tier 1 once no new method has
    /// been compiled for 100 ms: during the first job methods keep appearing, so most of its code would still be at
    /// tier 0 when the measured drain began (a first drain ran half in tier-0 code, and the tiering thread took a
    /// quarter of a core during the drain after one warm-up round).
    /// </summary>
    public async Task WarmUpJobAsync(BenchDataSet data, long gapMs)
    {
        for (int round = 1; round <= 2; round++)
        {
            string name = $"bench-warmup{round}-{_runId}";
            await CreateTopicAsync(name);
            ProduceAll(data, name);
            var settings = JobSettings(appId: name, topic: name, gapMs, announce: false);
            using var derived = new DerivedMetrics();
            using var collector = new MetricsCollector(settings.Metrics);
            using var progress = new ProcessedRecords(name, data.Messages.Length + data.RepartitionRecords);
            var sink = new BenchSink();
            using var markProducer = ConnectedProducer(name);
            var streams = BuildJob(settings, sink, derived);
            await using (streams)
            {
                streams.Start();
                await WaitAsync(progress.Done, streams, "a warm-up job did not process every record");
                // As in the measured run: the mark completes every trace, so extraction, the features topic, the
                // metrics and the aggregates are warmed up too.
                ProduceWatermark(name, settings, markProducer);
                await WaitUntilAsync(() => sink.Traces >= data.Traces, streams, () => $"a warm-up job emitted {sink.Traces} of {data.Traces} traces");
                await streams.CloseAsync(TimeSpan.FromSeconds(30));
            }
            await JitQuietAsync();
        }
    }

    /// <summary>
    /// Waits (at most 10 s) until the JIT has compiled no new method for half a second: the background tier-1
    /// compilations queued by the warm-up then no longer compete with the measured drain for the 2 cores.
    /// </summary>
    internal static async Task JitQuietAsync()
    {
        var deadline = Stopwatch.StartNew();
        long last = System.Runtime.JitInfo.GetCompiledMethodCount();
        int quiet = 0;
        while (quiet < 5 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }

    /// <summary>
    /// Produces the end-of-data mark to partition 0 of <paramref name="topic"/>: one message of root spans of service
    /// <see cref="BenchSink.WatermarkService"/>, one trace per repartition partition, stamped now. The data's records
    /// carry their produce time, seconds earlier, so the mark moves every assembly task's stream time past the gap and
    /// every data trace completes by the gap rule as soon as the mark arrives. Without it the last traces would wait a
    /// wall-clock gap, with the job idle, and a measurement that stopped before them would leave out extraction, the
    /// features topic, the metrics and the aggregates. The mark's own traces complete later and are not counted.
    /// </summary>
    private void ProduceWatermark(string topic, TraceJobSettings settings, IProducer<byte[]?, byte[]> producer)
    {
        int partitions = settings.RepartitionPartitions > 0 ? settings.RepartitionPartitions : Partitions;
        long nowNanos = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var spans = new List<LogicalSpan>();
        // The job's producer places repartition records by murmur2 of the trace-id key: one trace per partition.
        var covered = new bool[partitions];
        int left = partitions;
        for (ulong i = 1; left > 0; i++)
        {
            var id = new TraceId(0xB0B0_0000_0000_0000UL | i, i * 0x9E3779B97F4A7C15UL);
            int p = TraceIdKey.Partition(id, partitions);
            if (covered[p]) continue;
            covered[p] = true;
            left--;
            spans.Add(new LogicalSpan
            {
                TraceId = id.ToString(),
                SpanId = $"{i:x16}",
                Service = BenchSink.WatermarkService,
                Operation = "end of data",
                Kind = Formats.Model.SpanKind.Internal,
                StartUnixNanos = nowNanos,
                DurationNanos = 1_000,
            });
        }
        string? error = null;
        foreach (byte[] message in SpanEncoders.Encode(SpanFormat.OtlpProto, spans, spans.Count))
            Produce(producer, topic, 0, message, r => { if (r.Error.IsError) error = r.Error.Reason; });
        if (producer.Flush(TimeSpan.FromSeconds(30)) > 0 || error is not null)
            throw new InvalidOperationException($"bench: the end-of-data mark was not produced: {error ?? "timed out"}");
    }

    /// <summary>
    /// A producer whose connection and metadata for <paramref name="topic"/> are ready, so producing the end-of-data
    /// mark inside the measured time costs a send, not a client's start (about 0.7 s on the embedded cluster).
    /// </summary>
    private IProducer<byte[]?, byte[]> ConnectedProducer(string topic)
    {
        var producer = new ProducerBuilder<byte[]?, byte[]>(ProducerConfig()).Build();
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        admin.GetMetadata(topic, TimeSpan.FromSeconds(30));
        return producer;
    }

    /// <summary>The job's settings: the defaults of <c>run</c>, the bench's gap, and any <c>BENCH_SET</c> experiments.</summary>
    internal TraceJobSettings JobSettings(string appId, string topic, long gapMs, bool announce, Dictionary<string, string>? extra = null)
    {
        var pairs = new Dictionary<string, string>
        {
            ["application.id"] = appId,
            ["kafka.bootstrap.servers"] = Bootstrap,
            ["source.topics"] = topic,
            ["source.format"] = "otlp_proto",
            ["assembly.gap.ms"] = gapMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? []) pairs[key] = value;
        if (_cluster is not null) pairs["kafka.consumer.fetch.wait.max.ms"] = EmbeddedFetchWaitMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // BENCH_SET="key=value,key=value": extra job settings, for experiments (printed, so a run says what it used).
        foreach (string pair in (Environment.GetEnvironmentVariable("BENCH_SET") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"BENCH_SET: '{pair}' is not key=value");
            pairs[pair[..eq]] = pair[(eq + 1)..];
            if (announce) Console.Write($" [{pair}]");
        }
        return TraceJobSettings.From(JobConfiguration.FromPairs(pairs));
    }

    /// <summary>The topology of <c>run</c> (as <c>TraceJobHost</c> wires it) with the bench's sink, on this cluster.</summary>
    internal IKafkaStreams BuildJob(TraceJobSettings settings, BenchSink sink, DerivedMetrics derived)
    {
        var topology = TraceTopologyFactory.Build(settings, [sink], derived, TimeProvider.System, StringTable.Shared);
        var builder = new KafkaStreamsBuilder(topology, settings.Streams)
            .SetTimeProvider(TimeProvider.System)
            .SetLoggerFactory(_loggerFactory);
        if (_cluster is not null) builder.SetTopicAdmin(new EmbeddedTopicAdmin(_cluster));
        return builder.Build();
    }

    /// <summary>Per trace: features emitted minus the broker's acknowledgement of the message with its last span, minus the gap.</summary>
    private static double CompletionLatencyP99Ms(BenchDataSet data, long[] acked, BenchSink sink, long gapMs)
    {
        var lastAck = new Dictionary<TraceId, long>();
        for (int m = 0; m < data.Messages.Length; m++)
        {
            foreach (TraceId id in data.TraceIdsInMessage[m])
                if (!lastAck.TryGetValue(id, out long t) || acked[m] > t) lastAck[id] = acked[m];
        }
        var latencies = new List<double>(lastAck.Count);
        foreach (var (id, ack) in lastAck)
        {
            if (!sink.TryGetEmission(id, out long emitted)) throw new InvalidOperationException($"bench: trace {id} of the latency load was not emitted");
            latencies.Add(Stopwatch.GetElapsedTime(ack, emitted).TotalMilliseconds - gapMs);
        }
        latencies.Sort();
        return latencies[Math.Max(0, (int)Math.Ceiling(latencies.Count * 0.99) - 1)];
    }

    /// <summary>Produces the messages at a steady rate; returns each message's acknowledgement time (Stopwatch ticks).</summary>
    private long[] ProducePaced(BenchDataSet data, double spansPerSecond)
    {
        var acked = new long[data.Messages.Length];
        long failed = 0;
        using var producer = new ProducerBuilder<byte[]?, byte[]>(ProducerConfig()).Build();
        long start = Stopwatch.GetTimestamp();
        double ticksPerSpan = Stopwatch.Frequency / spansPerSecond;
        long spansSent = 0;
        for (int i = 0; i < data.Messages.Length; i++)
        {
            long due = start + (long)(spansSent * ticksPerSpan);
            while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1);
            int index = i;
            Produce(producer, Topic, i % Partitions, data.Messages[i], r =>
            {
                if (r.Error.IsError) Interlocked.Increment(ref failed);
                else acked[index] = Stopwatch.GetTimestamp();
            });
            spansSent += data.SpansInMessage[i];
        }
        producer.Flush(TimeSpan.FromMinutes(1));
        if (Interlocked.Read(ref failed) > 0) throw new InvalidOperationException($"bench: {failed} latency messages were not delivered");
        return acked;
    }

    internal ProducerConfig ProducerConfig() => new()
    {
        BootstrapServers = Bootstrap,
        LingerMs = 5,
        CompressionType = CompressionType.Lz4,
        EnableIdempotence = true,
    };

    private static void Produce(IProducer<byte[]?, byte[]> producer, string topic, int partition, byte[] value, Action<DeliveryReport<byte[]?, byte[]>> onDelivery)
    {
        while (true)
        {
            try
            {
                producer.Produce(new TopicPartition(topic, partition), new Message<byte[]?, byte[]> { Value = value }, onDelivery);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(20));
            }
        }
    }

    internal static async Task WaitAsync(Task done, IKafkaStreams streams, string what)
    {
        var deadline = Stopwatch.StartNew();
        var stalled = Stopwatch.StartNew();
        long lastProcessed = -1;
        while (!done.IsCompleted)
        {
            CheckAlive(streams, what);
            long processed = streams.GetStatus().RecordsProcessed;
            if (processed != lastProcessed) { lastProcessed = processed; stalled.Restart(); }
            if (deadline.Elapsed > DrainTimeout || stalled.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"bench: {what} ({processed} records processed, none for {stalled.Elapsed.TotalSeconds:F0} s)");
            await Task.WhenAny(done, Task.Delay(100));
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, IKafkaStreams streams, Func<string> what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            CheckAlive(streams, what());
            if (deadline.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"bench: {what()} within 2 minutes");
            await Task.Delay(10);
        }
    }

    private static void CheckAlive(IKafkaStreams streams, string what)
    {
        if (streams.State is KafkaStreamsState.Error or KafkaStreamsState.NotRunning)
            throw new InvalidOperationException($"bench: {what}: the job is {streams.State}" + (streams.GetStatus().LastError is { } e ? $": {e.Message}" : ""));
    }

    public void Dispose() => _cluster?.Dispose();

    /// <summary>Watches a record counter of the runtime (by default <c>streams.records.processed</c>) for one application: first and target-th record.</summary>
    internal sealed class ProcessedRecords : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _appId;
        private readonly long _target;
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _count;

        public ProcessedRecords(string appId, long target, string instrumentName = "streams.records.processed")
        {
            _appId = appId;
            _target = target;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "StreamAnalytics.Streams" && instrument.Name == instrumentName)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>(OnMeasurement);
            _listener.Start();
        }

        public Task Done => _done.Task;

        /// <summary>The process at the first measurement of the counter and at the one that reached the target.</summary>
        public ProcessSample First { get; private set; }

        public ProcessSample Last { get; private set; }

        /// <summary>
        /// The share of the target's records processed between <see cref="First"/> and <see cref="Last"/>:
        /// the runtime adds to the counter once per task turn (up to 100 records), so the first measurement already counts
        /// a turn's records, processed before the clock started. Multiply a span count by it before dividing by the window.
        /// </summary>
        public double WindowShare => _target <= 0 ? 1 : Math.Clamp((_target - _first) / (double)_target, 0, 1);

        private long _first;

        private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            bool ours = false;
            foreach (var tag in tags)
                if (tag.Key == "application.id" && tag.Value as string == _appId) ours = true;
            if (!ours) return;
            var now = ProcessSample.Take();
            long total = Interlocked.Add(ref _count, value);
            if (total == value)
            {
                _first = value;
                First = now;
            }
            if (total >= _target && total - value < _target)
            {
                Last = now;
                _done.TrySetResult();
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>What the restore phase measured: open spans rebuilt per second, over how long, from how many changelog records.</summary>
internal sealed record RestoreFigures(double SpansPerSec, double Seconds, long ChangelogRecords, long OpenTraces);

/// <summary>What the job phases measured.</summary>
internal sealed record JobFigures(
    double EndToEndSpansPerSec, double IngestSpansPerSec, double CompletionLatencyP99Ms, long Traces, long LateRevisions, long LatencyTraces,
    long CommitFailures, long DeadLettered, IReadOnlyList<KafkaWrites> Writes);
