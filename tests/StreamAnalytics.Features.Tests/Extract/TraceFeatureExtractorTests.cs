using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract;

public class TraceFeatureExtractorTests
{
    [Fact]
    public void Scalars_describe_the_trace_and_its_earliest_root()
    {
        var t = new TestTrace()
            .Add(1, 0, "frontend", 1_000, 500, operation: "GET /", error: true)
            .Add(2, 1, "cart", 1_100, 600)
            .Add(3, 0, "batch", 1_200, 10, operation: "late root");

        var f = new TraceFeatureExtractor(FeatureConfig.Default).Extract(t.Build(CompletionReason.MaxDuration, revision: 2));

        Assert.Equal("0123456789abcdeffedcba9876543210", f.TraceId);
        Assert.Equal(2, f.Revision);
        Assert.Equal("maxDuration", f.CompletionReason);
        Assert.Equal(1_000, f.StartTimeUs);
        Assert.Equal(700, f.DurationUs);
        Assert.Equal(3, f.SpanCount);
        Assert.Equal("frontend", f.RootService);
        Assert.Equal("GET /", f.RootOperation);
        Assert.True(f.RootError);
    }

    [Fact]
    public void A_true_root_is_preferred_over_an_earlier_orphan()
    {
        var f = Features.Of(new TestTrace().Add(1, 0, "root", 10, 5).Add(2, 42, "orphan", 0, 5));

        Assert.Equal("root", f.RootService);
    }

    [Theory]
    [InlineData(CompletionReason.Gap, "gap")]
    [InlineData(CompletionReason.Root, "root")]
    [InlineData(CompletionReason.MaxDuration, "maxDuration")]
    [InlineData(CompletionReason.MemoryPressure, "memoryPressure")]
    [InlineData(CompletionReason.Late, "late")]
    [InlineData(CompletionReason.EndOfInput, "endOfInput")]
    public void Completion_reasons_are_written_in_camel_case(CompletionReason reason, string name)
    {
        Assert.Equal(name, TraceFeatureExtractor.CompletionReasonName(reason));
    }

    [Fact]
    public void An_empty_trace_gives_zeros_and_empty_collections()
    {
        var f = Features.Of(new TestTrace());

        Assert.Equal(0, f.SpanCount);
        Assert.Equal(0, f.Depth);
        Assert.Empty(f.Edges);
        Assert.Empty(f.CriticalPath);
        Assert.Empty(f.ServicePaths);
        Assert.Equal("", f.RootService);
    }

    [Fact]
    public void One_extractor_reused_for_traces_of_different_sizes_gives_the_same_result_as_a_fresh_one()
    {
        var extractor = new TraceFeatureExtractor(FeatureConfig.Default);
        var big = new TestTrace();
        big.Add(1, 0, "root", 0, 1000);
        for (ulong i = 2; i < 200; i++) big.Add(i, i / 2, "s" + (i % 7), (long)i, 10, error: i % 5 == 0);
        var small = new TestTrace().Add(1, 0, "a", 0, 10).Add(2, 1, "b", 2, 3).Add(3, 3, "c", 1, 1);

        extractor.Extract(big.Build());
        byte[] reused = TraceFeaturesJson.ToUtf8(extractor.Extract(small.Build()));
        byte[] fresh = TraceFeaturesJson.ToUtf8(new TraceFeatureExtractor(FeatureConfig.Default).Extract(small.Build()));

        Assert.Equal(fresh, reused);
    }

    [Fact]
    public void Hostile_times_and_durations_do_not_throw()
    {
        var t = new TestTrace();
        t.AddRaw(new Span { SpanId = new SpanId(1), StartUnixNanos = long.MaxValue - 10, DurationNanos = long.MaxValue });
        t.AddRaw(new Span { SpanId = new SpanId(2), ParentSpanId = new SpanId(1), StartUnixNanos = long.MinValue, DurationNanos = -5 });
        t.AddRaw(new Span { SpanId = new SpanId(0), ParentSpanId = new SpanId(0), StartUnixNanos = 0, DurationNanos = 0 });

        var f = Features.Of(t);

        Assert.Equal(3, f.SpanCount);
        Assert.Equal(f.DurationUs, f.CriticalPath.Sum(s => s.EndUs - s.StartUs) + f.CriticalPathOutsideRootUs);
    }
}
