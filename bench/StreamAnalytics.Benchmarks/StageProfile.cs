using System.Diagnostics;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Features.Extract.CriticalPath;
using StreamAnalytics.Features.Extract.Quality;
using StreamAnalytics.Features.Extract.ServiceGraph;
using StreamAnalytics.Features.Extract.ServicePaths;
using StreamAnalytics.Features.Extract.SpanCounts;
using StreamAnalytics.Features.Extract.Structure;
using StreamAnalytics.Features.Extract.Timing;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Prometheus;
using Trace = StreamAnalytics.Features.Assembly.Trace;

namespace StreamAnalytics.Benchmarks;

/// <summary>
/// The per-stage profile of the in-process pipeline: decode, assemble, then each extractor and the aggregator, in
/// nanoseconds per span and bytes allocated per trace. Each stage is timed on its own pass over the data (the
/// extractors one trace at a time, with a timestamp between them), so the figures are for finding the expensive
/// parts, not for publishing: <c>streamanalytics bench</c> gives the published ones. Times are the fastest of three
/// passes, because the machine is usually shared.
/// </summary>
internal static class StageProfile
{
    private static readonly string[] Names =
        ["document", "tree", "operations", "spanCounts", "structure", "links", "servicePaths", "criticalPath", "selfTime", "network", "quality", "aggregate",
            "json", "metrics"];

    // Stages from here on are the streaming job's, not the in-process pipeline's: they are left out of the total.
    private const int JobOnlyStages = 12;

    public static void Run(int messages)
    {
        var data = SampleData.Create(messages);
        long spans = 0;
        foreach (Span[] m in data.Decoded) spans += m.Length;
        Console.WriteLine($"{messages:N0} messages, {spans:N0} spans (OTLP protobuf, 100 spans per message)");

        var decoder = SpanDecoders.Create(SpanFormat.OtlpProto, StringTable.Shared);
        var batch = new SpanBatch(1024);
        List<Trace> traces = [];
        // The machine is shared (builds, other benchmarks): each stage reports its fastest pass, which is the least
        // disturbed one. Allocation is the same in every pass after the first.
        var bestNs = new double[Names.Length];
        Array.Fill(bestNs, double.MaxValue);
        double bestDecode = double.MaxValue, bestAssemble = double.MaxValue;
        for (int pass = 0; pass < 3; pass++)
        {
            long t0 = Stopwatch.GetTimestamp();
            foreach (byte[] m in data.Messages)
            {
                batch.Clear();
                decoder.TryDecode(m, batch, out _);
            }
            double decodeNs = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / spans;

            var store = new OpenTraceStore(new AssemblyConfig { GapMs = 1000 }, StringTable.Shared, TimeProvider.System,
                new AssemblyMetrics("stages", registerWithMeter: false));
            var assembler = new TraceAssembler(store);
            traces = new List<Trace>(data.Decoded.Length * 10);
            long streamTimeMs = 0;
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            t0 = Stopwatch.GetTimestamp();
            foreach (Span[] m in data.Decoded)
            {
                for (int i = 0; i < m.Length; i++)
                {
                    long endMs = m[i].EndUnixNanos / 1_000_000;
                    if (endMs > streamTimeMs) streamTimeMs = endMs;
                    assembler.Add(in m[i], streamTimeMs, 0, traces);
                }
            }
            assembler.CompleteAll(CompletionReason.EndOfInput, traces);
            double assembleNs = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / spans;
            double assembleBytes = (GC.GetAllocatedBytesForCurrentThread() - a0) / (double)spans;

            var (ns, bytes) = Extract(traces);
            for (int k = 0; k < ns.Length; k++) bestNs[k] = Math.Min(bestNs[k], ns[k]);
            bestDecode = Math.Min(bestDecode, decodeNs);
            bestAssemble = Math.Min(bestAssemble, assembleNs);
            if (pass < 2) continue;
            ns = bestNs;
            decodeNs = bestDecode;
            assembleNs = bestAssemble;
            Console.WriteLine($"{"stage",-13} {"ns/span",8} {"B/trace",8}");
            Console.WriteLine($"{"decode",-13} {decodeNs,8:F1} {0,8}");
            Console.WriteLine($"{"assemble",-13} {assembleNs,8:F1} {assembleBytes * spans / traces.Count,8:F0}");
            double total = decodeNs + assembleNs;
            for (int k = 0; k < Names.Length; k++)
            {
                if (k == JobOnlyStages) Console.WriteLine($"{"total",-13} {total,8:F1}   ({traces.Count:N0} traces; timestamps add ~1 ns/span per stage)");
                Console.WriteLine($"{Names[k],-13} {ns[k] / spans,8:F1} {bytes[k] / (double)traces.Count,8:F0}{(k >= JobOnlyStages ? "   (job only)" : "")}");
                if (k < JobOnlyStages) total += ns[k] / spans;
            }
        }
    }

    private static (double[] Ns, long[] Bytes) Extract(List<Trace> traces)
    {
        var tree = new TraceTree();
        var operations = new OperationGroups();
        var structure = new StructureExtractor();
        var links = new LinkBuilder();
        var paths = new ServicePathsExtractor();
        var critical = new CriticalPathExtractor();
        var self = new SelfTimeExtractor();
        var network = new NetworkLatencyExtractor();
        var aggregator = new WindowedAggregator(AggregateConfig.Default);
        // The job's work per trace beyond the in-process pipeline: the features topic's JSON, and the derived metrics
        // with a collector listening, as `run` has one.
        using var derived = new DerivedMetrics();
        using var collector = new MetricsCollector(new PrometheusExporterConfig());
        var ticks = new long[Names.Length];
        var bytes = new long[Names.Length];
        foreach (Trace t in traces)
        {
            ReadOnlySpan<Span> s = t.Spans;
            StringTable strings = t.Strings;
            int k = 0;
            long ts = Stopwatch.GetTimestamp(), alloc = GC.GetAllocatedBytesForCurrentThread();
            var f = new TraceFeatures
            {
                CompletionReason = TraceFeatureExtractor.CompletionReasonName(t.Reason),
                SpanCount = s.Length,
            };
            f.SetTraceId(t.TraceId);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            tree.Build(s);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            operations.Build(s, strings);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            SpanCountsExtractor.Extract(operations, f);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            structure.Extract(tree, f);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            links.Build(tree, s, strings, FeatureConfig.Default.LinkSemantics, f.Edges);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            paths.Extract(tree, s, strings, FeatureConfig.Default.MaxServicePathLength, f);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            critical.Extract(tree, s, strings, f);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            self.Extract(tree, operations, f);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            network.Extract(tree, s, strings, f);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            QualityExtractor.Extract(tree, t, f);
            tree.Release();
            operations.Release();
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            aggregator.Add(t, f);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            _ = FeaturesDocument.Create(f).Utf8; // the job's one serialization per trace (topic, Elasticsearch and files share it)
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
            derived.Record(t, f);
            Lap(ref k, ref ts, ref alloc, ticks, bytes);
        }
        var ns = new double[Names.Length];
        for (int k = 0; k < ns.Length; k++) ns[k] = ticks[k] * 1e9 / Stopwatch.Frequency;
        return (ns, bytes);
    }

    private static void Lap(ref int k, ref long ts, ref long alloc, long[] ticks, long[] bytes)
    {
        long now = Stopwatch.GetTimestamp(), allocated = GC.GetAllocatedBytesForCurrentThread();
        ticks[k] += now - ts;
        bytes[k] += allocated - alloc;
        ts = now;
        alloc = allocated;
        k++;
    }
}
