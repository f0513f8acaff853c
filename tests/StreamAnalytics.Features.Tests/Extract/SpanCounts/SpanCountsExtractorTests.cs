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
}
