using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.Timing;

public class TimingTests
{
    [Fact]
    public void Self_time_subtracts_the_union_of_children_clipped_to_the_span()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "p", 0, 100, operation: "root")
            .Add(2, 1, "c", 10, 30, operation: "x")    // [10,40]
            .Add(3, 1, "c", 20, 30, operation: "x")    // [20,50] overlaps the first
            .Add(4, 1, "c", 90, 30, operation: "y"));  // [90,120] clipped to [90,100]

        Assert.Equal(100 - 40 - 10, f.SelfTimeByOperation["p::root"]);
        Assert.Equal(60, f.SelfTimeByOperation["c::x"]);
        Assert.Equal(30, f.SelfTimeByOperation["c::y"]);
    }

    [Fact]
    public void Network_latency_is_server_start_minus_client_start_per_service_pair()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "web", 0, 100, SpanKind.Server)
            .Add(2, 1, "web", 10, 50, SpanKind.Client)
            .Add(3, 2, "app", 13, 40, SpanKind.Server)
            .Add(4, 1, "web", 60, 30, SpanKind.Client)
            .Add(5, 4, "app", 67, 20, SpanKind.Server)
            .Add(6, 1, "web", 95, 5, SpanKind.Client)); // no server child: no latency

        var l = Assert.Single(f.NetworkLatencies);
        Assert.Equal(("web", "app", 2, 10L, 7L), (l.Client, l.Server, l.Count, l.TotalUs, l.MaxUs));
    }

    [Fact]
    public void A_zipkin_shared_server_half_counts_for_network_latency()
    {
        var f = Features.Of(new TestTrace()
            .Add(2, 0, "web", 10, 50, SpanKind.Client)
            .Add(2, 0, "app", 12, 40, SpanKind.Server, shared: true));

        var l = Assert.Single(f.NetworkLatencies);
        Assert.Equal(2, l.TotalUs);
    }
}
