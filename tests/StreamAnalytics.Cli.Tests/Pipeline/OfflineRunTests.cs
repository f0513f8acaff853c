using StreamAnalytics.Cli.Pipeline;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;
using ModelSpanKind = StreamAnalytics.Formats.Model.SpanKind;

namespace StreamAnalytics.Cli.Tests.Pipeline;

/// <summary>The offline run is the job's topology: traces complete while reading and every window closes at the end.</summary>
public class OfflineRunTests
{
    private static readonly long T0Nanos = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;

    private static LogicalSpan Root(string traceId, long startNanos) => new()
    {
        TraceId = traceId, SpanId = "00000000000000a1", Service = "frontend", Operation = "GET /", Kind = ModelSpanKind.Server,
        StartUnixNanos = startNanos, DurationNanos = 5_000_000,
    };

    private static (CollectingSink Sink, OfflineRun Run) Replay(IEnumerable<LogicalSpan> spansInFileOrder, List<OfflineRun.DeadLetter>? dead = null)
    {
        var sink = new CollectingSink();
        var run = new OfflineRun(SpanFormat.OtlpJson, AssemblyConfig.Default, FeatureConfig.Default, AggregateConfig.Default, [sink],
            d => dead?.Add(d), new StringTable());
        // One message per span, in the order given: the file order.
        foreach (LogicalSpan span in spansInFileOrder)
            foreach (byte[] message in SpanEncoders.Encode(SpanFormat.OtlpJson, [span])) run.Process(message);
        run.Complete();
        run.Flush(CancellationToken.None);
        return (sink, run);
    }

    [Fact]
    public void Four_single_span_traces_60_s_apart_give_rows_in_all_four_windows()
    {
        var spans = Enumerable.Range(0, 4).Select(i => Root($"{i + 1:x32}", T0Nanos + i * 60_000_000_000L)).ToList();
        var (sink, run) = Replay(spans);
        using (run)
        {
            Assert.Equal(4, run.Traces);
            Assert.Equal(0, run.LateTraces);
            var windows = sink.Aggregates.Where(a => a.Kind == AggregateKind.RootOperation).Select(a => a.WindowStartMs).Distinct().Order().ToList();
            long first = T0Nanos / 1_000_000;
            Assert.Equal([first, first + 60_000, first + 120_000, first + 180_000], windows);
            Assert.All(sink.Aggregates.Where(a => a.Kind == AggregateKind.RootOperation), a => Assert.Equal(1, a.Count));
        }
    }

    [Fact]
    public void A_trace_that_arrives_after_its_windows_grace_is_counted_late_not_silently_missing()
    {
        // Trace 1 at t0; trace 2 five minutes later moves stream time on and closes t0's window; then trace 3 with a
        // start in t0's window arrives: it completes (features written) but its window is gone.
        var spans = new List<LogicalSpan>
        {
            Root($"{1:x32}", T0Nanos),
            Root($"{2:x32}", T0Nanos + 300_000_000_000L),
            Root($"{3:x32}", T0Nanos + 1_000_000_000L),
        };
        var (sink, run) = Replay(spans);
        using (run)
        {
            Assert.Equal(3, run.Traces);
            Assert.Equal(3, sink.Features.Count);
            Assert.Equal(1, run.LateTraces);
            var root = sink.Aggregates.Where(a => a.Kind == AggregateKind.RootOperation).ToList();
            Assert.Equal(2, root.Count);
            Assert.All(root, a => Assert.Equal(1, a.Count));
        }
    }

    [Fact]
    public void A_trace_whose_spans_arrive_within_the_gap_is_one_trace_and_a_refused_message_is_dead_lettered()
    {
        var child = new LogicalSpan
        {
            TraceId = $"{7:x32}", SpanId = "00000000000000b2", ParentSpanId = "00000000000000a1", Service = "cart", Operation = "GetCart",
            Kind = ModelSpanKind.Server, StartUnixNanos = T0Nanos + 1_000_000, DurationNanos = 2_000_000,
        };
        var dead = new List<OfflineRun.DeadLetter>();
        var sink = new CollectingSink();
        using var run = new OfflineRun(SpanFormat.OtlpJson, AssemblyConfig.Default, FeatureConfig.Default, AggregateConfig.Default, [sink],
            dead.Add, new StringTable());
        foreach (byte[] m in SpanEncoders.Encode(SpanFormat.OtlpJson, [Root($"{7:x32}", T0Nanos)])) run.Process(m);
        run.Process("not json"u8.ToArray());
        foreach (byte[] m in SpanEncoders.Encode(SpanFormat.OtlpJson, [child])) run.Process(m);
        run.Complete();

        TraceFeatures only = Assert.Single(sink.Features);
        Assert.Equal(2, only.SpanCount);
        OfflineRun.DeadLetter refused = Assert.Single(dead);
        Assert.Equal(1, refused.Message);
        Assert.False(string.IsNullOrEmpty(refused.Reason));
        Assert.Equal(1, run.DeadLettered);
    }

    private sealed class CollectingSink : ISink
    {
        public List<TraceFeatures> Features { get; } = new();
        public List<AggregateDocument> Aggregates { get; } = new();
        public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) => Features.Add(document.Features);
        public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) => Aggregates.Add(aggregate);
        public void Flush(CancellationToken cancellationToken) { }
    }
}
