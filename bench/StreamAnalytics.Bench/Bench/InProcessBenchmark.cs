using System.Diagnostics;
using StreamAnalytics.Cli.Pipeline;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;

namespace StreamAnalytics.Bench;

/// <summary>
/// The phases of <c>bench</c> that need no Kafka: the whole pipeline on one thread, decoding alone, and the managed
/// heap an open span costs.
/// </summary>
/// <remarks>
/// Each throughput figure is the better of two measured passes over all the data, each on fresh components, after one
/// warm-up pass over up to <see cref="WarmUpSpans"/> spans (so the JIT has reached its optimised tiers).
/// </remarks>
internal static class InProcessBenchmark
{
    public const long WarmUpSpans = 300_000;
    public const int OpenSpansHeld = 1_000_000;

    /// <summary>The job's assembly settings apart from Kafka: the bench uses a 1 s gap everywhere.</summary>
    public static AssemblyConfig Assembly(long gapMs) => new() { GapMs = gapMs };

    /// <summary>The job's topology offline (<see cref="OfflineRun"/>: decode, repartition by trace, assemble, extract, aggregate), spans per second.</summary>
    /// <param name="data">The generated data.</param>
    /// <param name="gapMs">Assembly gap.</param>
    /// <param name="traces">Feature documents of the last pass.</param>
    /// <param name="cpuNsPerSpan">
    /// The process's CPU per span over the cheaper pass, ns: on a machine shared with other work the wall-clock figure
    /// moves with the load, CPU time much less (the pipeline is one thread; GC and JIT threads are included).
    /// </param>
    /// <param name="serializeDocuments">
    /// Also serialize each trace's document, as the job does for its features topic (a sink that reads
    /// <see cref="FeaturesDocument.Utf8"/>); without it no sink asks for JSON and none is written.
    /// </param>
    public static double PipelineSpansPerSecond(BenchDataSet data, long gapMs, out long traces, out double cpuNsPerSpan, bool serializeDocuments = false)
    {
        RunPipeline(data, gapMs, WarmUpCount(data), out _, serializeDocuments);
        double best = 0;
        traces = 0;
        cpuNsPerSpan = double.MaxValue;
        for (int pass = 0; pass < 2; pass++)
        {
            Collect();
            TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
            var elapsed = RunPipeline(data, gapMs, data.Messages.Length, out traces, serializeDocuments);
            TimeSpan cpu = Environment.CpuUsage.TotalTime - cpuBefore;
            best = Math.Max(best, data.Spans / elapsed.TotalSeconds);
            cpuNsPerSpan = Math.Min(cpuNsPerSpan, cpu.TotalNanoseconds / data.Spans);
        }
        return best;
    }

    /// <summary>Decoding alone (the in-process limit), spans per second.</summary>
    public static double DecodeSpansPerSecond(BenchDataSet data)
    {
        var decoder = SpanDecoders.Create(SpanFormat.OtlpProto, StringTable.Shared);
        var batch = new SpanBatch(256);
        Decode(decoder, batch, data, WarmUpCount(data));
        double best = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            Collect();
            long start = Stopwatch.GetTimestamp();
            long spans = Decode(decoder, batch, data, data.Messages.Length);
            best = Math.Max(best, spans / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }

    /// <summary>
    /// Managed heap growth per span while <see cref="OpenSpansHeld"/> decoded spans are held open in one
    /// <see cref="OpenTraceStore"/> (GC.GetTotalMemory after a full collection, before and after). The data is reused
    /// with altered trace ids when it holds fewer spans.
    /// </summary>
    public static double BytesPerOpenSpan(BenchDataSet data)
    {
        var decoder = SpanDecoders.Create(SpanFormat.OtlpProto, StringTable.Shared);
        var batch = new SpanBatch(256);
        // Nothing completes: no completion is ever asked for, and the budget is far away.
        var config = new AssemblyConfig { MaxOpenBytes = 64L << 30 };
        var metrics = new AssemblyMetrics("bench", registerWithMeter: false);
        Decode(decoder, batch, data, Math.Min(data.Messages.Length, 100)); // every name interned before the baseline

        long before = GC.GetTotalMemory(forceFullCollection: true);
        var store = new OpenTraceStore(config, StringTable.Shared, TimeProvider.System, metrics);
        long held = 0;
        for (ulong cycle = 0; held < OpenSpansHeld; cycle++)
        {
            for (int m = 0; m < data.Messages.Length && held < OpenSpansHeld; m++)
            {
                batch.Clear();
                decoder.TryDecode(data.Messages[m], batch, out _);
                int n = (int)Math.Min(batch.Count, OpenSpansHeld - held);
                batch.Truncate(n);
                if (cycle > 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        ref Span s = ref batch[i];
                        s.TraceId = new TraceId(s.TraceId.High ^ (cycle * 0x9E3779B97F4A7C15UL), s.TraceId.Low);
                    }
                }
                store.TryAddRange(batch.Spans, 0, 0);
                held += n;
            }
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        if (store.OpenSpanCount != OpenSpansHeld)
            throw new InvalidOperationException($"bench: the store holds {store.OpenSpanCount} spans, expected {OpenSpansHeld}");
        GC.KeepAlive(store);
        return (after - before) / (double)OpenSpansHeld;
    }

    private static TimeSpan RunPipeline(BenchDataSet data, long gapMs, int messages, out long traces, bool serializeDocuments)
    {
        ISink[] sinks = serializeDocuments ? [new SerializingSink()] : [];
        using var run = new OfflineRun(SpanFormat.OtlpProto, Assembly(gapMs), FeatureConfig.Default, AggregateConfig.Default, sinks,
            onDeadLetter: d => throw new InvalidOperationException($"bench: message {d.Message} does not decode: {d.Reason}"));
        // Record timestamps (each message's latest span end) are found before the clock starts: a Kafka record has one.
        var timestamps = new long[messages];
        for (int i = 0; i < messages; i++) timestamps[i] = run.LatestSpanEndMs(data.Messages[i]);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < messages; i++) run.Process(data.Messages[i], timestamps[i]);
        run.Complete();
        var elapsed = Stopwatch.GetElapsedTime(start);
        traces = run.Traces;
        return elapsed;
    }

    private static long Decode(ISpanDecoder decoder, SpanBatch batch, BenchDataSet data, int messages)
    {
        long spans = 0;
        for (int i = 0; i < messages; i++)
        {
            batch.Clear();
            if (!decoder.TryDecode(data.Messages[i], batch, out DecodeError? error))
                throw new InvalidOperationException($"bench: message {i} does not decode: {error}");
            spans += batch.Count;
        }
        return spans;
    }

    private static int WarmUpCount(BenchDataSet data) =>
        (int)Math.Min(data.Messages.Length, Math.Max(1, WarmUpSpans / BenchDataSet.SpansPerMessage));

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Reads each document's JSON (serializing it, as the features topic's serializer would) and nothing else.</summary>
    private sealed class SerializingSink : ISink
    {
        public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) => _ = document.Utf8;

        public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) { }

        public void Flush(CancellationToken cancellationToken) { }
    }
}
