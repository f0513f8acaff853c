using StreamAnalytics.Features.Extract;
using StreamAnalytics.Features.Extract.SpanCounts;

namespace StreamAnalytics.Features.Tests.Extract.SpanCounts;

public class SpanCountsExtractorTests
{
    [Fact]
    public void Spans_are_counted_per_service_and_operation()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "frontend", operation: "GET /")
            .Add(2, 1, "cart", operation: "get")
            .Add(3, 1, "cart", operation: "get", error: true)
            .Add(4, 1, "cart", operation: "put"));

        Assert.Equal(3, f.SpanCounts.Count);
        Assert.Equal(1, f.SpanCounts["frontend::GET /"]);
        Assert.Equal(2, f.SpanCounts["cart::get"]);
        Assert.Equal(1, f.SpanCounts["cart::put"]);
        Assert.Equal(4, f.SpanCount);
        Assert.Equal(2, f.ServiceCount);
        Assert.Equal(1, f.ErrorCount);
    }

    [Fact]
    public void A_span_without_service_is_counted_under_unknown()
    {
        var f = Features.Of(new TestTrace().Add(1, 0, null, operation: "x"));

        Assert.Equal(1, f.SpanCounts["unknown::x"]);
    }

    [Fact]
    public void Pairs_that_render_to_the_same_key_are_added_up()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "a::b", 0, 10, operation: "c")
            .Add(2, 1, "a", 1, 2, operation: "b::c"));

        Assert.Equal(2, f.SpanCounts["a::b::c"]);
        Assert.Single(f.SpanCounts);
        Assert.Equal(8 + 2, f.SelfTimeByOperation["a::b::c"]);
        Assert.Equal(2, f.ServiceCount);
    }

    [Fact]
    public void One_extractor_keeps_names_apart_across_traces_with_different_string_tables()
    {
        // Both tables give their first names the same ids: a name cached for one table must not leak into the other.
        var extractor = new TraceFeatureExtractor(new FeatureConfig());
        var first = extractor.Extract(new TestTrace().Add(1, 0, "web", 0, 5, operation: "GET").Build());
        var second = extractor.Extract(new TestTrace().Add(1, 0, "db", 0, 7, operation: "query").Build());
        var third = extractor.Extract(new TestTrace().Add(1, 0, "web", 0, 5, operation: "GET").Add(2, 1, "web", 1, 1, operation: "GET").Build());

        Assert.Equal(["web::GET"], first.SpanCounts.Keys);
        Assert.Equal(["db::query"], second.SpanCounts.Keys);
        Assert.Equal(7, second.SelfTimeByOperation["db::query"]);
        Assert.Equal(2, third.SpanCounts["web::GET"]);
        Assert.Equal(1, third.ServiceCount);
    }

    [Fact]
    public void Many_distinct_operations_in_one_trace_are_all_counted()
    {
        var t = new TestTrace().Add(1, 0, "root");
        for (ulong i = 0; i < 3000; i++) t.Add(i + 2, 1, "svc" + (i % 50), operation: "op" + i);

        var f = Features.Of(t);

        Assert.Equal(3001, f.SpanCounts.Count);
        Assert.Equal(1, f.SpanCounts["svc7::op2957"]);
        Assert.Equal(51, f.ServiceCount);
    }

    [Fact]
    public void Remembered_operations_are_bounded()
    {
        var groups = new OperationGroups();
        var huge = new TestTrace();
        for (ulong i = 0; i < OperationGroups.MaxOperations + 10; i++) huge.Add(i + 1, 0, "svc", operation: "op" + i);
        var trace = huge.Build();

        groups.Build(trace.Spans, trace.Strings);
        Assert.Equal(OperationGroups.MaxOperations + 10, groups.Count);
        Assert.Equal("svc::op123", groups.Name(123));
        groups.Release();

        Assert.True(groups.RememberedOperations <= OperationGroups.MaxOperations);
        var small = new TestTrace().Add(1, 0, "a", operation: "b").Add(2, 1, "a", operation: "b", error: true);
        var t = small.Build();
        groups.Build(t.Spans, t.Strings);
        Assert.Equal(1, groups.Count);
        Assert.Equal("a::b", groups.Name(0));
        Assert.Equal(2, groups.SpanCount(0));
        Assert.Equal(1, groups.ErrorCount);
    }
}
