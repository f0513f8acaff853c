using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.Quality;

public class QualityExtractorTests
{
    [Fact]
    public void A_child_starting_before_or_ending_after_its_parent_is_clock_skew()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 100, 100)
            .Add(2, 1, "early", 90, 20)
            .Add(3, 1, "late", 190, 20)
            .Add(4, 1, "inside", 120, 20));

        Assert.Equal(2, f.Quality.ClockSkewSpans);
    }

    [Fact]
    public void Orphans_duplicates_and_cycles_are_counted()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "a")
            .Add(2, 55, "orphan")
            .Add(3, 1, "b").Add(3, 1, "b")
            .Add(4, 4, "self"));

        Assert.Equal(1, f.Quality.OrphanSpans);
        Assert.Equal(1, f.Quality.DuplicateSpanIds);
        Assert.Equal(1, f.Quality.CycleSpans);
    }

    [Fact]
    public void Zipkin_shared_client_and_server_halves_are_not_duplicates()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "web", kind: SpanKind.Client)
            .Add(1, 0, "app", kind: SpanKind.Server, shared: true));

        Assert.Equal(0, f.Quality.DuplicateSpanIds);
    }

    [Fact]
    public void Truncation_comes_from_the_assembled_trace()
    {
        var t = new TestTrace().Add(1, 0, "a");
        var f = new StreamAnalytics.Features.Extract.TraceFeatureExtractor(StreamAnalytics.Features.Extract.FeatureConfig.Default)
            .Extract(t.Build(truncated: true, dropped: 12));

        Assert.True(f.Quality.Truncated);
        Assert.Equal(12, f.Quality.DroppedSpans);
    }
}
