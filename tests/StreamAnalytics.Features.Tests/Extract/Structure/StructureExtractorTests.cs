namespace StreamAnalytics.Features.Tests.Extract.Structure;

public class StructureExtractorTests
{
    [Fact]
    public void A_single_span_has_depth_one_and_no_fan_out()
    {
        var f = Features.Of(new TestTrace().Add(1, 0, "a"));

        Assert.Equal(1, f.Depth);
        Assert.Equal(0, f.MaxFanOut);
    }

    [Fact]
    public void Depth_counts_spans_on_the_longest_chain_and_fan_out_the_most_children_of_one_span()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "a")
            .Add(2, 1, "b").Add(3, 1, "b").Add(4, 1, "b")
            .Add(5, 2, "c").Add(6, 5, "d"));

        Assert.Equal(4, f.Depth);
        Assert.Equal(3, f.MaxFanOut);
    }

    [Fact]
    public void An_orphan_subtree_counts_from_the_orphan_as_its_root()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "a")
            .Add(7, 42, "x").Add(8, 7, "y").Add(9, 8, "z"));

        Assert.Equal(3, f.Depth);
        Assert.Equal(1, f.Quality.OrphanSpans);
    }
}
