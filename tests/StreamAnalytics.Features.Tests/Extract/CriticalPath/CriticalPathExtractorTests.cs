using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.CriticalPath;

public class CriticalPathExtractorTests
{
    private static (string Span, long Start, long End)[] Sections(TraceFeatures f) =>
        f.CriticalPath.Select(s => (s.SpanId, s.StartUs, s.EndUs)).ToArray();

    private static string Id(ulong id) => id.ToString("x16");

    [Fact]
    public void Sequential_children_are_on_the_path_and_the_parent_covers_the_gaps()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 100)
            .Add(2, 1, "a", 10, 30)
            .Add(3, 1, "b", 50, 40));

        Assert.Equal(new[]
        {
            (Id(1), 0L, 10L), (Id(2), 10L, 40L), (Id(1), 40L, 50L), (Id(3), 50L, 90L), (Id(1), 90L, 100L),
        }, Sections(f));
        Assert.Equal(30, f.CriticalPathByService["p"]);
        Assert.Equal(30, f.CriticalPathByService["a"]);
        Assert.Equal(40, f.CriticalPathByService["b"]);
    }

    [Fact]
    public void Of_overlapping_children_only_the_last_finishing_one_is_followed()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 100)
            .Add(2, 1, "a", 10, 50)    // ends at 60, after b starts
            .Add(3, 1, "b", 50, 40));

        Assert.Equal(new[] { (Id(1), 0L, 50L), (Id(3), 50L, 90L), (Id(1), 90L, 100L) }, Sections(f));
    }

    [Fact]
    public void The_walk_descends_into_grandchildren()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 100)
            .Add(2, 1, "c", 10, 80)
            .Add(3, 2, "g", 20, 30));

        Assert.Equal(new[]
        {
            (Id(1), 0L, 10L), (Id(2), 10L, 20L), (Id(3), 20L, 50L), (Id(2), 50L, 90L), (Id(1), 90L, 100L),
        }, Sections(f));
    }

    [Fact]
    public void A_child_overflowing_its_parent_is_clipped_to_the_parent()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 100)
            .Add(2, 1, "c", 80, 40));   // ends at 120

        // The trace ends at 120; the clipped-away part is outside the root, not on the path.
        Assert.Equal(new[] { (Id(1), 0L, 80L), (Id(2), 80L, 100L) }, Sections(f));
        Assert.Equal(20, f.CriticalPathOutsideRootUs);
        Assert.Equal(new[] { "p", "c" }, f.CriticalPathByService.Keys);
    }

    [Fact]
    public void A_child_wholly_outside_its_parent_is_off_the_path()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 100)
            .Add(2, 1, "late", 150, 50));

        Assert.Equal(new[] { (Id(1), 0L, 100L) }, Sections(f));
        Assert.False(f.CriticalPathByService.ContainsKey("late"));
        Assert.Equal(100, f.CriticalPathOutsideRootUs);
    }

    [Fact]
    public void Back_to_back_children_credit_the_parent_with_the_earlier_one_as_jaeger_does()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 20)
            .Add(2, 1, "a", 0, 10)
            .Add(3, 1, "b", 10, 10));

        // Jaeger UI: going back from b (starts at 10), only a child that ended strictly before 10 is followed.
        Assert.Equal(new[] { (Id(1), 0L, 10L), (Id(3), 10L, 20L) }, Sections(f));
    }

    [Fact]
    public void Only_the_root_span_is_on_the_path_and_other_roots_count_as_outside_it()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "r1", 0, 10)
            .Add(2, 0, "r2", 20, 10)
            .Add(3, 99, "orphan", 5, 40));

        Assert.Equal(new[] { (Id(1), 0L, 10L) }, Sections(f));
        Assert.Equal(new[] { "r1" }, f.CriticalPathByService.Keys);
        Assert.Equal(35, f.CriticalPathOutsideRootUs); // trace 0 → 45, root 0 → 10
    }

    [Fact]
    public void Without_a_parentless_span_the_earliest_orphan_is_the_root()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 98, "late-orphan", 30, 10)
            .Add(2, 99, "orphan", 10, 10)
            .Add(3, 2, "child", 12, 4));

        Assert.Equal(new[] { (Id(2), 10L, 12L), (Id(3), 12L, 16L), (Id(2), 16L, 20L) }, Sections(f));
        Assert.Equal(20, f.CriticalPathOutsideRootUs);
    }

    [Fact]
    public void A_consumer_under_a_non_producer_parent_still_blocks_it()
    {
        // Only PRODUCER → CONSUMER is fire-and-forget; a CONSUMER span under e.g. a polling INTERNAL span is waited for.
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "poller", 0, 100, SpanKind.Internal)
            .Add(2, 1, "handler", 20, 50, SpanKind.Consumer));

        Assert.Equal(new[] { (Id(1), 0L, 20L), (Id(2), 20L, 70L), (Id(1), 70L, 100L) }, Sections(f));
    }

    [Fact]
    public void Sections_name_the_span_id_in_lowercase_hex_and_the_service()
    {
        var f = Features.Of(new TestTrace().Add(0xABCDEF, 0, "Svc", 5, 5));

        var only = Assert.Single(f.CriticalPath);
        Assert.Equal("0000000000abcdef", only.SpanId);
        Assert.Equal("Svc", only.Service);
        Assert.Equal(5, only.StartUs);
        Assert.Equal(10, only.EndUs);
    }
}
