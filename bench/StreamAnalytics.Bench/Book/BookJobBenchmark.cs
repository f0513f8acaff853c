using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams.Testing.Embedded;

namespace StreamAnalytics.Bench.Book;

/// <summary>
/// The book-job phase of <c>bench</c> (issue 21): the SpanCountJob (<c>jaeger_proto</c>, one span per message, keyed
/// by trace id, spans per <c>service::operation</c>, one record per trace) on one pre-produced topic of
/// <see cref="Partitions"/> partitions, drained in turn by a bare Confluent.Kafka consumer, by our job
/// (<c>jobs/span-count.json</c>'s settings) and by <see cref="StreamizSpanCountJob"/>, each on one thread. Each engine
/// is warmed up first on a topic of its own. Both engines' outputs are read back and checked, trace by trace, against
/// each other and against the generated data before any ratio is reported.
/// </summary>
/// <remarks>
/// A drain is timed from the first input record processed to the last (the bare consumer: received); CPU is the
/// process's over the same window, so it includes the embedded brokers' threads, alike for all three. The gap is
/// short (<see cref="GapMs"/>) so the traces still open at the end of a drain come out soon after it.
/// </remarks>
internal sealed class BookJobBenchmark(KafkaBenchmark kafka, ILoggerFactory loggerFactory)
{
    public const int Partitions = 4;

    /// <summary>Inactivity gap of both jobs.</summary>
    public const long GapMs = 500;

    private readonly string _runId = Guid.NewGuid().ToString("N")[..6];

    private static bool ThreadCpuWanted => Environment.GetEnvironmentVariable("BENCH_THREAD_CPU") == "1";

    /// <summary>
    /// Warms both engines up, then runs bare, ours and Streamiz in turn <paramref name="runs"/> times on the same topic
    /// (interleaved, so a load change on the shared machine hits all three alike); medians are reported, and every
    /// run's output is checked.
    /// </summary>
    public async Task<BookFigures> RunAsync(BookDataSet data, BookDataSet warmUp, int runs)
    {
        string topic = $"book-spans-{_runId}";
        await kafka.CreateTopicAsync(topic, Partitions);
        Produce(data, topic);

        await RunOursAsync(warmUp, "warmup");
        await RunStreamizAsync(warmUp, "warmup");
        var bares = new List<DrainFigures>();
        var decodes = new List<DrainFigures>();
        var ourRuns = new List<DrainFigures>();
        var streamizRuns = new List<DrainFigures>();
        long oursRecords = 0, streamizRecords = 0;
        for (int run = 1; run <= runs; run++)
        {
            var bare = BareDrain(data, topic, run, decode: false);
            var decoding = BareDrain(data, topic, run, decode: true);
            var ours = await RunOursAsync(data, $"run{run}", topic);
            var streamiz = await RunStreamizAsync(data, $"run{run}", topic);
            Console.WriteLine($"    run {run}: bare {bare.SpansPerSec:N0} records/s ({bare.CpuUsPerSpan:F2} µs CPU, {bare.AllocatedBytesPerSpan:F0} B allocated each); " +
                $"bare + decode {decoding.SpansPerSec:N0} spans/s ({decoding.CpuUsPerSpan:F2} µs); " +
                $"ours {ours.SpansPerSec:N0} spans/s ({ours.CpuUsPerSpan:F2} µs, {ours.AllocatedBytesPerSpan:F0} B, last trace out {ours.SecondsToLastOutput:F2} s after the first span); " +
                $"Streamiz {streamiz.SpansPerSec:N0} spans/s ({streamiz.CpuUsPerSpan:F2} µs, {streamiz.AllocatedBytesPerSpan:F0} B, {streamiz.SecondsToLastOutput:F2} s); " +
                $"ours/bare {ours.SpansPerSec / bare.SpansPerSec:F2}, ours/(bare + decode) {ours.SpansPerSec / decoding.SpansPerSec:F2}, ours/Streamiz {ours.SpansPerSec / streamiz.SpansPerSec:F2}");
            (oursRecords, streamizRecords) = CheckOutputs(data, ours.OutputTopic, streamiz.OutputTopic);
            bares.Add(bare);
            decodes.Add(decoding);
            ourRuns.Add(ours);
            streamizRuns.Add(streamiz);
        }
        Console.WriteLine($"    outputs equal per trace in every run: {data.Traces:N0} traces, {oursRecords:N0} records from ours, {streamizRecords:N0} from Streamiz");
        // The machine's noise is large (single runs of one engine differ by up to 2x): the spread goes with the medians.
        Console.WriteLine($"    spread over {runs} runs, spans/s: bare {Range(bares)}, bare + decode {Range(decodes)}, ours {Range(ourRuns)}, Streamiz {Range(streamizRuns)}");
        return new BookFigures(Median(bares), Median(decodes), Median(ourRuns), Median(streamizRuns), data.Spans, data.Traces, oursRecords, streamizRecords, data.Bytes / (double)data.Spans, runs);
    }

    private static string Range(List<DrainFigures> runs)
    {
        double min = double.MaxValue, max = 0;
        foreach (var r in runs)
        {
            min = Math.Min(min, r.SpansPerSec);
            max = Math.Max(max, r.SpansPerSec);
        }
        return $"{min:N0}–{max:N0}";
    }

    /// <summary>The run with the median throughput (its CPU figure goes with it).</summary>
    private static DrainFigures Median(List<DrainFigures> runs)
    {
        var sorted = new List<DrainFigures>(runs);
        sorted.Sort((a, b) => a.SpansPerSec.CompareTo(b.SpansPerSec));
        return sorted[sorted.Count / 2];
    }

    /// <summary>Both outputs equal each other and the data, trace by trace; else throws (no ratio is reported).</summary>
    private (long Ours, long Streamiz) CheckOutputs(BookDataSet data, string oursTopic, string streamizTopic)
    {
        var oursOut = ReadOutput(oursTopic, OursRecord);
        var streamizOut = ReadOutput(streamizTopic, StreamizRecord);
        string? oursVsTruth = Compare(oursOut, data.Expected);
        string? streamizVsTruth = Compare(streamizOut, data.Expected);
        string? between = Compare(oursOut, streamizOut.Counts);
        if (oursVsTruth is not null || streamizVsTruth is not null || between is not null)
            throw new InvalidOperationException($"bench: the book job's outputs differ, no ratio is reported. ours vs data: {oursVsTruth ?? "equal"}; Streamiz vs data: {streamizVsTruth ?? "equal"}; ours vs Streamiz: {between ?? "equal"}");
        return (oursOut.Records, streamizOut.Records);
    }

    private void Produce(BookDataSet data, string topic)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(kafka.ProducerConfig()).Build();
        long failed = 0;
        for (int i = 0; i < data.Values.Length; i++)
        {
            var message = new Message<byte[]?, byte[]> { Key = data.Keys[i], Value = data.Values[i] };
            while (true)
            {
                try
                {
                    // The producer's partitioner places each trace's spans on one partition, as Jaeger's writer does.
                    producer.Produce(topic, message, r => { if (r.Error.IsError) Interlocked.Increment(ref failed); });
                    break;
                }
                catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(20));
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(2));
        if (Interlocked.Read(ref failed) > 0) throw new InvalidOperationException($"bench: {failed} book-job messages were not delivered to {topic}");
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka.Bootstrap, GroupId = $"book-check-{_runId}" }).Build();
        for (int p = 0; p < Partitions; p++)
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            if (w.Low.Value > 0)
                throw new InvalidOperationException($"bench: the broker deleted the first {w.Low.Value} records of {topic}[{p}] (the embedded cluster keeps about 5 MiB per partition); use a smaller --book-spans or KAFKA_BOOTSTRAP");
        }
    }

    /// <summary>One bare consumer, every partition assigned, fetch settings as the engines' consumers.</summary>
    /// <param name="data">The topic's data.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="run">Run number (names the group).</param>
    /// <param name="decode">
    /// Also decode each record's span (<c>jaeger_proto</c>, our decoder, into a reused batch) on the consuming thread: the
    /// least any engine does for this job. What that alone costs against the bare drain bounds <c>ours/bare</c> for an
    /// engine that processes on the thread that consumes, as ours (and Streamiz) do.
    /// </param>
    private DrainFigures BareDrain(BookDataSet data, string topic, int run, bool decode)
    {
        var decoder = decode ? SpanDecoders.Create(SpanFormat.JaegerProto, StringTable.Shared) : null;
        var batch = new SpanBatch(16);
        var config = new ConsumerConfig
        {
            BootstrapServers = kafka.Bootstrap,
            GroupId = $"book-bare-{(decode ? "decode-" : "")}{run}-{_runId}",
            QueuedMaxMessagesKbytes = 16 * 1024,
            // As the engine's consumer (ClientConfigs.MainConsumer): with librdkafka's default (1000 ms) a full prefetch
            // queue makes the fetcher wait a second before it fetches again, so a bare drain ran at a third of the speed
            // it can and "ours/bare" came out above 1.
            FetchQueueBackoffMs = 10,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
        if (kafka.Embedded) config.FetchWaitMaxMs = KafkaBenchmark.EmbeddedFetchWaitMs;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var partitions = new List<TopicPartitionOffset>();
        for (int p = 0; p < Partitions; p++) partitions.Add(new TopicPartitionOffset(topic, p, Offset.Beginning));
        consumer.Assign(partitions);
        long count = 0, bytes = 0;
        ProcessSample first = default;
        var deadline = Stopwatch.StartNew();
        while (count < data.Spans)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"bench: the bare consumer read {count} of {data.Spans} book-job records");
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null) continue;
            if (count == 0) first = ProcessSample.Take();
            count++;
            bytes += record.Message.Value.Length;
            if (decoder is null) continue;
            batch.Clear();
            if (!decoder.TryDecode(record.Message.Value, batch, out var error))
                throw new InvalidOperationException($"bench: book-job record {record.TopicPartitionOffset} does not decode: {error}");
        }
        var last = ProcessSample.Take();
        consumer.Close();
        if (bytes != data.Bytes) throw new InvalidOperationException($"bench: the bare consumer read {bytes} bytes, {data.Bytes} were produced");
        return DrainFigures.Over(first, last, data.Spans, first.SecondsTo(last), "");
    }

    /// <summary>Our job with <c>jobs/span-count.json</c>'s settings (jaeger_proto, keyed, spanCounts, spanCount aggregates).</summary>
    private async Task<DrainFigures> RunOursAsync(BookDataSet data, string round, string? topic = null)
    {
        string appId = $"book-ours-{round}-{_runId}";
        if (topic is null)
        {
            topic = appId;
            await kafka.CreateTopicAsync(topic, Partitions);
            Produce(data, topic);
        }
        var extra = new Dictionary<string, string>
        {
            ["source.format"] = "jaeger_proto",
            ["features.include"] = "spanCounts",
            ["aggregate.kinds"] = "spanCount",
        };
        var settings = kafka.JobSettings(appId, topic, GapMs, announce: false, extra);
        string output = settings.FeaturesTopic ?? throw new InvalidOperationException("bench: the book job has no features topic");
        using var derived = new DerivedMetrics();
        using var progress = new KafkaBenchmark.ProcessedRecords(appId, data.Spans);
        var sink = new BenchSink();
        sink.MarkWhenCountReaches(data.Traces);
        var streams = kafka.BuildJob(settings, sink, derived);
        await using (streams)
        {
            // BENCH_THREAD_CPU=1: where the cores went during the drain, per thread name (the stage split of issue 21).
            var cpuBefore = ThreadCpuWanted ? ThreadCpu.Snapshot() : null;
            var clock = Stopwatch.StartNew();
            streams.Start();
            await KafkaBenchmark.WaitAsync(progress.Done, streams, "our book job did not process every record");
            if (cpuBefore is not null) Console.WriteLine($"    ours, {round}:\n" + ThreadCpu.Describe(cpuBefore, ThreadCpu.Snapshot(), clock.Elapsed));
            await KafkaBenchmark.WaitUntilAsync(() => sink.CountReachedAt != 0, streams, () => $"our book job emitted {sink.Traces} of {data.Traces} traces");
            await streams.CloseAsync(TimeSpan.FromSeconds(30));
        }
        await KafkaBenchmark.JitQuietAsync();
        return DrainFigures.Over(progress.First, progress.Last, data.Spans * progress.WindowShare,
            Stopwatch.GetElapsedTime(progress.First.Timestamp, sink.CountReachedAt).TotalSeconds, output);
    }

    private async Task<DrainFigures> RunStreamizAsync(BookDataSet data, string round, string? topic = null)
    {
        string appId = $"book-streamiz-{round}-{_runId}";
        if (topic is null)
        {
            topic = appId;
            await kafka.CreateTopicAsync(topic, Partitions);
            Produce(data, topic);
        }
        string output = appId + "-span-counts";
        // The embedded brokers do not implement CreateTopics: Streamiz finds its changelog and the output made already.
        await kafka.CreateTopicAsync($"{appId}-{StreamizSpanCountJob.StoreName}-changelog", Partitions);
        await kafka.CreateTopicAsync(output, Partitions);
        string stateDir = Directory.CreateTempSubdirectory("bench-streamiz-").FullName;
        var progress = new BookProgress(data.Spans, data.Traces);
        try
        {
            using var stream = StreamizSpanCountJob.Build(appId, kafka.Bootstrap, topic, output, GapMs,
                kafka.Embedded ? KafkaBenchmark.EmbeddedFetchWaitMs : null, progress, loggerFactory, stateDir);
            var cpuBefore = ThreadCpuWanted ? ThreadCpu.Snapshot() : null;
            var clock = Stopwatch.StartNew();
            await stream.StartAsync();
            var deadline = Stopwatch.StartNew();
            long last = -1;
            var stalled = Stopwatch.StartNew();
            while (!progress.AllEmitted)
            {
                long seen = progress.ProcessedCount + progress.EmittedCount;
                if (seen != last) { last = seen; stalled.Restart(); }
                if (deadline.Elapsed > TimeSpan.FromMinutes(10) || stalled.Elapsed > TimeSpan.FromSeconds(60))
                    throw new TimeoutException($"bench: the Streamiz job processed {progress.ProcessedCount} of {data.Spans} records and emitted {progress.EmittedCount} of {data.Traces} traces");
                await Task.Delay(10);
            }
            if (cpuBefore is not null) Console.WriteLine($"    Streamiz, {round}:\n" + ThreadCpu.Describe(cpuBefore, ThreadCpu.Snapshot(), clock.Elapsed));
            // The emitted records are produced asynchronously; Close flushes the producer and commits.
            stream.Dispose();
        }
        finally
        {
            try { Directory.Delete(stateDir, recursive: true); } catch (IOException) { }
        }
        await KafkaBenchmark.JitQuietAsync();
        return DrainFigures.Over(progress.First, progress.Last, data.Spans,
            Stopwatch.GetElapsedTime(progress.First.Timestamp, progress.LastEmittedTimestamp).TotalSeconds, output);
    }

    /// <summary>Our features record: <c>traceId</c> and <c>spanCounts</c> of the JSON document.</summary>
    private static (string TraceId, Dictionary<string, int> Counts) OursRecord(byte[] key, byte[] value)
    {
        using var doc = JsonDocument.Parse(value);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.GetProperty("spanCounts").EnumerateObject()) counts[p.Name] = p.Value.GetInt32();
        return (doc.RootElement.GetProperty("traceId").GetString()!, counts);
    }

    private static (string TraceId, Dictionary<string, int> Counts) StreamizRecord(byte[] key, byte[] value) =>
        (System.Text.Encoding.UTF8.GetString(key), JsonSerializer.Deserialize<Dictionary<string, int>>(value)!);

    /// <summary>Every record of an output topic, summed per trace (a trace emitted twice counts its spans twice, and fails the check).</summary>
    private OutputCounts ReadOutput(string topic, Func<byte[], byte[], (string TraceId, Dictionary<string, int> Counts)> parse)
    {
        var config = new ConsumerConfig { BootstrapServers = kafka.Bootstrap, GroupId = $"book-read-{_runId}", EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var ends = new long[Partitions];
        var partitions = new List<TopicPartitionOffset>();
        for (int p = 0; p < Partitions; p++)
        {
            ends[p] = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value;
            partitions.Add(new TopicPartitionOffset(topic, p, Offset.Beginning));
        }
        consumer.Assign(partitions);
        long expected = 0;
        foreach (long e in ends) expected += e;
        var result = new Dictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        long records = 0;
        var deadline = Stopwatch.StartNew();
        while (records < expected)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"bench: read {records} of {expected} records of {topic}");
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is null) continue;
            records++;
            var (traceId, counts) = parse(r.Message.Key, r.Message.Value);
            if (!result.TryGetValue(traceId, out var sum)) result[traceId] = sum = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var (op, n) in counts) sum[op] = sum.GetValueOrDefault(op) + n;
        }
        consumer.Close();
        return new OutputCounts(result, records);
    }

    /// <summary>Null when equal, else how many traces differ and the first difference.</summary>
    internal static string? Compare(OutputCounts actual, Dictionary<string, SortedDictionary<string, int>> expected)
    {
        long differing = 0;
        string? first = null;
        foreach (var (traceId, counts) in expected)
        {
            if (actual.Counts.TryGetValue(traceId, out var got) && Equal(got, counts)) continue;
            differing++;
            first ??= $"trace {traceId}: expected {JsonSerializer.Serialize(counts)}, got {(got is null ? "nothing" : JsonSerializer.Serialize(got))}";
        }
        foreach (string traceId in actual.Counts.Keys)
        {
            if (expected.ContainsKey(traceId)) continue;
            differing++;
            first ??= $"trace {traceId} is not in the input";
        }
        return differing == 0 ? null : $"{differing} traces differ ({first})";
    }

    private static bool Equal(SortedDictionary<string, int> a, SortedDictionary<string, int> b)
    {
        if (a.Count != b.Count) return false;
        foreach (var (k, v) in a)
            if (!b.TryGetValue(k, out int w) || w != v) return false;
        return true;
    }

    internal sealed record OutputCounts(Dictionary<string, SortedDictionary<string, int>> Counts, long Records);
}

/// <summary>
/// One drain: spans per second and process CPU µs per span over it, seconds to the last trace out, the output topic, and
/// the managed bytes allocated per span over the same window (every thread of the process: a figure that, unlike the
/// timings, hardly moves with the machine's load, so it shows a per-record saving that the timings' noise hides).
/// </summary>
internal sealed record DrainFigures(double SpansPerSec, double CpuUsPerSpan, double SecondsToLastOutput, string OutputTopic, double AllocatedBytesPerSpan)
{
    /// <summary>The figures of <paramref name="spans"/> spans drained between <paramref name="first"/> and <paramref name="last"/>.</summary>
    public static DrainFigures Over(ProcessSample first, ProcessSample last, double spans, double secondsToLastOutput, string outputTopic) =>
        new(spans / first.SecondsTo(last), (last.Cpu - first.Cpu).TotalMicroseconds / spans, secondsToLastOutput, outputTopic,
            (last.Allocated - first.Allocated) / spans);
}

/// <summary>What the book-job phase measured, side by side.</summary>
internal sealed record BookFigures(DrainFigures Bare, DrainFigures BareDecode, DrainFigures Ours, DrainFigures Streamiz, long Spans, long Traces,
    long OursRecords, long StreamizRecords, double InputBytesPerSpan, int Runs)
{
    public double OursVsBare => Ours.SpansPerSec / Bare.SpansPerSec;

    /// <summary>The bare consumer that also decodes, against the bare one: a ceiling on <see cref="OursVsBare"/>.</summary>
    public double BareDecodeVsBare => BareDecode.SpansPerSec / Bare.SpansPerSec;

    public double OursVsStreamiz => Ours.SpansPerSec / Streamiz.SpansPerSec;
}
