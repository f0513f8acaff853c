using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.Tree;

public class TraceTreeTests
{
    private static TraceTree Build(TestTrace t)
    {
        var tree = new TraceTree();
        tree.Build(t.Build().Spans);
        return tree;
    }

    [Fact]
    public void A_single_span_is_one_root_without_children()
    {
        TraceTree tree = Build(new TestTrace().Add(1, 0, "a", 10, 5));

        Assert.Equal(1, tree.RootCount);
        Assert.Equal(0, tree.ChildCount(0));
        Assert.Equal(0, tree.PrimaryRoot);
        Assert.Equal(10, tree.TraceStartUs);
        Assert.Equal(15, tree.TraceEndUs);
    }

    [Fact]
    public void Children_are_indexed_under_their_parent_whatever_the_arrival_order()
    {
        TraceTree tree = Build(new TestTrace()
            .Add(3, 2, "c")
            .Add(2, 1, "b")
            .Add(4, 1, "b")
            .Add(1, 0, "a"));

        Assert.Equal(new[] { 3 }, tree.Roots.ToArray());
        Assert.Equal(new[] { 1, 2 }, tree.ChildrenOf(3).ToArray());
        Assert.Equal(new[] { 0 }, tree.ChildrenOf(1).ToArray());
        Assert.Equal(new[] { 3, 1, 2, 0 }, tree.Order.ToArray());
    }

    [Fact]
    public void A_span_whose_parent_is_not_in_the_trace_is_a_counted_orphan_root()
    {
        TraceTree tree = Build(new TestTrace().Add(1, 0, "a").Add(2, 99, "b"));

        Assert.Equal(1, tree.OrphanCount);
        Assert.True(tree.IsOrphan(1));
        Assert.Equal(new[] { 0, 1 }, tree.Roots.ToArray());
        Assert.Equal(0, tree.PrimaryRoot);
    }

    [Fact]
    public void A_self_parented_span_becomes_a_root_counted_as_a_cycle()
    {
        TraceTree tree = Build(new TestTrace().Add(1, 0, "a").Add(2, 2, "b"));

        Assert.Equal(1, tree.CycleCount);
        Assert.Equal(0, tree.OrphanCount);
        Assert.Equal(-1, tree.Parent[1]);
        Assert.Equal(2, tree.RootCount);
    }

    [Fact]
    public void Every_member_of_a_parent_cycle_becomes_a_root_and_spans_hanging_off_it_stay_attached()
    {
        // 2 -> 3 -> 4 -> 2 is a cycle; 5 hangs under 4.
        TraceTree tree = Build(new TestTrace()
            .Add(2, 4, "a").Add(3, 2, "b").Add(4, 3, "c").Add(5, 4, "d"));

        Assert.Equal(3, tree.CycleCount);
        Assert.Equal(new[] { 0, 1, 2 }, tree.Roots.ToArray());
        Assert.Equal(2, tree.Parent[3]);
        Assert.False(tree.IsInCycle(3));
    }

    [Fact]
    public void A_reused_span_id_is_a_duplicate_and_children_attach_to_the_first_span()
    {
        TraceTree tree = Build(new TestTrace()
            .Add(1, 0, "a").Add(2, 1, "b").Add(2, 1, "c").Add(3, 2, "d"));

        Assert.Equal(1, tree.DuplicateCount);
        Assert.True(tree.IsDuplicate(2));
        Assert.Equal(1, tree.DuplicateOf[2]);
        Assert.Equal(1, tree.Parent[3]);
        Assert.Equal(0, tree.Parent[2]);
    }

    [Fact]
    public void A_shared_server_half_hangs_under_its_client_half_and_is_not_a_duplicate()
    {
        TraceTree tree = Build(new TestTrace()
            .Add(1, 0, "web", kind: SpanKind.Server)
            .Add(2, 1, "web", kind: SpanKind.Client)
            .Add(2, 1, "app", kind: SpanKind.Server, shared: true)
            .Add(3, 2, "app", kind: SpanKind.Client)
            .Add(4, 2, "web"));

        Assert.Equal(0, tree.DuplicateCount);
        Assert.Equal(1, tree.SharedHalfCount);
        Assert.True(tree.IsSharedHalf(2));
        Assert.Equal(1, tree.Parent[2]);
        // A child naming the shared id joins the half that runs in its own service.
        Assert.Equal(2, tree.Parent[3]);
        Assert.Equal(1, tree.Parent[4]);
    }

    [Fact]
    public void A_server_reusing_its_clients_id_is_inferred_as_the_shared_half_without_the_flag()
    {
        TraceTree tree = Build(new TestTrace()
            .Add(7, 0, "app", kind: SpanKind.Server)
            .Add(7, 0, "web", kind: SpanKind.Client));

        Assert.Equal(0, tree.DuplicateCount);
        Assert.True(tree.IsSharedHalf(0));
        Assert.Equal(1, tree.Parent[0]);
        Assert.Equal(new[] { 1 }, tree.Roots.ToArray());
    }

    [Fact]
    public void The_primary_root_is_the_earliest_starting_span_without_a_parent_id()
    {
        TraceTree tree = Build(new TestTrace()
            .Add(1, 0, "late", startUs: 50)
            .Add(2, 0, "early", startUs: 10)
            .Add(3, 77, "orphan", startUs: 0));

        Assert.Equal(1, tree.PrimaryRoot);
        Assert.Equal(1, tree.MainRoot);
    }

    [Fact]
    public void Without_any_true_root_the_earliest_orphan_stands_in_as_main_root()
    {
        TraceTree tree = Build(new TestTrace().Add(1, 8, "x", startUs: 5).Add(2, 9, "y", startUs: 3));

        Assert.Equal(-1, tree.PrimaryRoot);
        Assert.Equal(1, tree.MainRoot);
    }

    [Fact]
    public void Rebuilding_for_a_smaller_trace_forgets_the_previous_one()
    {
        var tree = new TraceTree();
        tree.Build(new TestTrace().Add(1, 0, "a").Add(2, 1, "b").Add(3, 3, "c").Build().Spans);
        tree.Build(new TestTrace().Add(9, 0, "z").Build().Spans);

        Assert.Equal(1, tree.Count);
        Assert.Equal(0, tree.CycleCount);
        Assert.Equal(new[] { 0 }, tree.Roots.ToArray());
    }
}
