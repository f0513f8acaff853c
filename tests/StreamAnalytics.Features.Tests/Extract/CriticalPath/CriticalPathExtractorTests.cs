using StreamAnalytics.Features.Extract;

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

        // The trace ends at 120; the clipped-away part is time no root covers.
        Assert.Equal(new[]
        {
            (Id(1), 0L, 80L), (Id(2), 80L, 100L), ("0000000000000000", 100L, 120L),
        }, Sections(f));
        Assert.Equal(20, f.CriticalPathByService["untraced"]);
    }

    [Fact]
    public void A_child_wholly_outside_its_parent_is_off_the_path()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 100)
            .Add(2, 1, "late", 150, 50));

        Assert.Equal(new[] { (Id(1), 0L, 100L), ("0000000000000000", 100L, 200L) }, Sections(f));
        Assert.False(f.CriticalPathByService.ContainsKey("late"));
    }

    [Fact]
    public void Back_to_back_children_are_both_on_the_path()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 20)
            .Add(2, 1, "a", 0, 10)
            .Add(3, 1, "b", 10, 10));

        Assert.Equal(new[] { (Id(2), 0L, 10L), (Id(3), 10L, 20L) }, Sections(f));
    }

    [Fact]
    public void Several_roots_are_children_of_a_virtual_root_that_covers_the_time_between_them()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "r1", 0, 10)
            .Add(2, 0, "r2", 20, 10));

        Assert.Equal(new[] { (Id(1), 0L, 10L), ("0000000000000000", 10L, 20L), (Id(2), 20L, 30L) }, Sections(f));
        Assert.Equal("untraced", f.CriticalPath[1].Service);
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
