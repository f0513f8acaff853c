using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.CriticalPath;

/// <summary>
/// Golden cases for issue 18: the scenarios of Jaeger UI's published critical-path tests (a root with sequential
/// children, overlapping children, children after or before their parent, overflowing chains, a child covering its
/// parent, FOLLOWS_FROM subtrees), restated with our own span trees and times, plus the OpenTelemetry rule that a
/// CONSUMER child of a PRODUCER does not block it. Each asserts the whole section list (span id, start, end), front to
/// back, and what is left outside the root.
/// </summary>
public class JaegerCriticalPathGoldenTests
{
    private static (ulong Span, long Start, long End)[] Sections(TraceFeatures f) =>
        f.CriticalPath.Select(s => (Convert.ToUInt64(s.SpanId, 16), s.StartUs, s.EndUs)).ToArray();

    [Fact]
    public void A_single_span_is_the_whole_path()
    {
        var f = Features.Of(new TestTrace().Add(0xA, 0, "solo", 2_000, 750));

        Assert.Equal(new[] { (0xAUL, 2_000L, 2_750L) }, Sections(f));
        Assert.Equal(0, f.CriticalPathOutsideRootUs);
    }

    [Fact]
    public void A_child_fully_inside_its_parent_splits_the_parent_around_it()
    {
        var f = Features.Of(new TestTrace()
            .Add(0xA, 0, "front", 500, 300)
            .Add(0xB, 0xA, "back", 600, 120));

        Assert.Equal(new[] { (0xAUL, 500L, 600L), (0xBUL, 600L, 720L), (0xAUL, 720L, 800L) }, Sections(f));
        Assert.Equal(180, f.CriticalPathByService["front"]);
        Assert.Equal(120, f.CriticalPathByService["back"]);
    }

    [Fact]
    public void Sequential_children_are_each_on_the_path_with_the_root_in_the_gaps()
    {
        // Jaeger's first case: two children one after the other, the root covers before, between and after them.
        var f = Features.Of(new TestTrace()
            .Add(0x10, 0x1, "orders", 430, 15)   // listed before the root, as spans arrive in any order
            .Add(0x1, 0, "gateway", 400, 90)
            .Add(0x20, 0x1, "stock", 410, 12));

        Assert.Equal(new[]
        {
            (0x1UL, 400L, 410L), (0x20UL, 410L, 422L), (0x1UL, 422L, 430L), (0x10UL, 430L, 445L), (0x1UL, 445L, 490L),
        }, Sections(f));
    }

    [Fact]
    public void Of_overlapping_children_the_one_finishing_last_wins_and_the_other_is_off_the_path()
    {
        // Jaeger's second case: the earlier child is still running when the later one starts, so going back from the
        // later one's start no child ended before it.
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "api", 0, 200)
            .Add(0x2, 0x1, "cache", 30, 90)    // 30 → 120
            .Add(0x3, 0x1, "search", 60, 100)); // 60 → 160

        Assert.Equal(new[] { (0x1UL, 0L, 60L), (0x3UL, 60L, 160L), (0x1UL, 160L, 200L) }, Sections(f));
        Assert.False(f.CriticalPathByService.ContainsKey("cache"));
    }

    [Fact]
    public void A_child_starting_after_its_parent_ended_is_dropped()
    {
        // Jaeger's third case: the child starts after the root's end and runs longer than it.
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "web", 1_000, 50)
            .Add(0x2, 0x1, "async", 1_080, 200));

        Assert.Equal(new[] { (0x1UL, 1_000L, 1_050L) }, Sections(f));
        Assert.Equal(230, f.CriticalPathOutsideRootUs); // trace 1000 → 1280, root 1000 → 1050
    }

    [Fact]
    public void A_dropped_child_takes_its_subtree_with_it()
    {
        // Jaeger's fourth case: the child is after the root and its own child inside it; both are off the path.
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "web", 0, 40)
            .Add(0x2, 0x1, "later", 55, 60)
            .Add(0x3, 0x2, "later-child", 70, 20));

        Assert.Equal(new[] { (0x1UL, 0L, 40L) }, Sections(f));
        Assert.Equal(new[] { "web" }, f.CriticalPathByService.Keys);
        Assert.Equal(75, f.CriticalPathOutsideRootUs);
    }

    [Fact]
    public void A_child_ending_exactly_at_its_parent_s_start_is_dropped()
    {
        // Jaeger drops a child that starts before its parent and ends at or before the parent's start.
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "web", 100, 50)
            .Add(0x2, 0x1, "early", 80, 20)); // 80 → 100

        Assert.Equal(new[] { (0x1UL, 100L, 150L) }, Sections(f));
    }

    [Fact]
    public void A_follows_from_child_and_its_subtree_are_off_the_path()
    {
        // Jaeger's fifth case: the root does not wait for a FOLLOWS_FROM child, nor for that child's CHILD_OF children.
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "checkout", 0, 300)
            .Add(0x2, 0x1, "audit", 50, 100, followsFrom: true)
            .Add(0x3, 0x2, "audit-db", 60, 20));

        Assert.Equal(new[] { (0x1UL, 0L, 300L) }, Sections(f));
        Assert.Equal(new[] { "checkout" }, f.CriticalPathByService.Keys);
    }

    [Fact]
    public void A_follows_from_child_is_skipped_but_its_blocking_siblings_are_not()
    {
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "checkout", 0, 300)
            .Add(0x2, 0x1, "audit", 200, 90, followsFrom: true)
            .Add(0x3, 0x1, "payment", 20, 100));

        Assert.Equal(new[] { (0x1UL, 0L, 20L), (0x3UL, 20L, 120L), (0x1UL, 120L, 300L) }, Sections(f));
    }

    [Fact]
    public void A_consumer_child_of_a_producer_and_its_subtree_are_off_the_path()
    {
        // OpenTelemetry messaging: the producer returns once the message is sent; consuming it does not block it.
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "shop", 0, 100, SpanKind.Server)
            .Add(0x2, 0x1, "shop", 10, 30, SpanKind.Producer)
            .Add(0x3, 0x2, "mailer", 20, 15, SpanKind.Consumer)
            .Add(0x4, 0x3, "smtp", 22, 10, SpanKind.Client));

        Assert.Equal(new[] { (0x1UL, 0L, 10L), (0x2UL, 10L, 40L), (0x1UL, 40L, 100L) }, Sections(f));
        Assert.Equal(new[] { "shop" }, f.CriticalPathByService.Keys);
    }

    [Fact]
    public void An_overflowing_child_is_cut_at_the_parent_s_end_and_a_grandchild_at_its_parent_s_start()
    {
        // Jaeger's sixth case: B runs past A's end; C starts before B. B is clipped first, then C against clipped B.
        var f = Features.Of(new TestTrace()
            .Add(0xA, 0, "a", 100, 60)     // 100 → 160
            .Add(0xB, 0xA, "b", 130, 50)   // 130 → 180, clipped to 160
            .Add(0xC, 0xB, "c", 120, 25)); // 120 → 145, clipped to 130 → 145

        Assert.Equal(new[] { (0xAUL, 100L, 130L), (0xCUL, 130L, 145L), (0xBUL, 145L, 160L) }, Sections(f));
        Assert.Equal(20, f.CriticalPathOutsideRootUs); // trace 100 → 180
    }

    [Fact]
    public void In_a_chain_of_overflowing_spans_each_is_clipped_to_its_clipped_parent()
    {
        // Jaeger's seventh case: every child runs past its parent; the deepest one ends the root.
        var f = Features.Of(new TestTrace()
            .Add(0xA, 0, "a", 0, 40)
            .Add(0xB, 0xA, "b", 10, 45)    // 10 → 55, clipped to 40
            .Add(0xC, 0xB, "c", 25, 60));  // 25 → 85, clipped to 40

        Assert.Equal(new[] { (0xAUL, 0L, 10L), (0xBUL, 10L, 25L), (0xCUL, 25L, 40L) }, Sections(f));
        Assert.Equal(45, f.CriticalPathOutsideRootUs);
    }

    [Fact]
    public void A_child_starting_before_and_ending_after_its_parent_covers_the_whole_parent()
    {
        // Jaeger's eighth case.
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "edge", 300, 100)
            .Add(0x2, 0x1, "backend", 250, 200));

        Assert.Equal(new[] { (0x2UL, 300L, 400L) }, Sections(f));
        Assert.Equal(new[] { "backend" }, f.CriticalPathByService.Keys);
        Assert.Equal(100, f.CriticalPathOutsideRootUs);
    }

    [Fact]
    public void A_child_wholly_before_its_parent_is_dropped()
    {
        // Jaeger's ninth case.
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "edge", 500, 80)
            .Add(0x2, 0x1, "clock-skewed", 420, 30));

        Assert.Equal(new[] { (0x1UL, 500L, 580L) }, Sections(f));
        Assert.Equal(80, f.CriticalPathOutsideRootUs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Of_children_ending_together_the_earliest_starting_one_is_followed(bool laterStartingFirst)
    {
        // Jaeger UI keeps a span's children in start order and takes the first with the latest end.
        var t = new TestTrace().Add(0x1, 0, "api", 0, 100);
        if (laterStartingFirst) t.Add(0x3, 0x1, "short", 40, 20).Add(0x2, 0x1, "long", 20, 40);
        else t.Add(0x2, 0x1, "long", 20, 40).Add(0x3, 0x1, "short", 40, 20);

        var f = Features.Of(t);

        Assert.Equal(new[] { (0x1UL, 0L, 20L), (0x2UL, 20L, 60L), (0x1UL, 60L, 100L) }, Sections(f));
    }

    [Fact]
    public void Of_children_ending_together_and_starting_together_the_first_in_the_trace_is_followed()
    {
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "api", 0, 100)
            .Add(0x7, 0x1, "first", 30, 30)
            .Add(0x5, 0x1, "second", 30, 30)
            .Add(0x6, 0x1, "third", 30, 30));

        Assert.Equal(new[] { (0x1UL, 0L, 30L), (0x7UL, 30L, 60L), (0x1UL, 60L, 100L) }, Sections(f));
    }

    [Fact]
    public void Nested_children_are_walked_depth_first_back_in_time()
    {
        // root ─ b ─ b1, b2 (sequential) ; root ─ c (after b)
        var f = Features.Of(new TestTrace()
            .Add(0x1, 0, "root", 0, 100)
            .Add(0x2, 0x1, "b", 5, 50)     // 5 → 55
            .Add(0x21, 0x2, "b1", 10, 10)  // 10 → 20
            .Add(0x22, 0x2, "b2", 30, 20)  // 30 → 50
            .Add(0x3, 0x1, "c", 60, 30));  // 60 → 90

        Assert.Equal(new[]
        {
            (0x1UL, 0L, 5L), (0x2UL, 5L, 10L), (0x21UL, 10L, 20L), (0x2UL, 20L, 30L), (0x22UL, 30L, 50L),
            (0x2UL, 50L, 55L), (0x1UL, 55L, 60L), (0x3UL, 60L, 90L), (0x1UL, 90L, 100L),
        }, Sections(f));
        Assert.Equal(100, f.CriticalPathByService.Values.Sum());
    }
}
