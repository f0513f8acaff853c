using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.ServiceGraph;

public class LinkBuilderTests
{
    [Fact]
    public void Parent_rule_edges_carry_durations_of_the_child_spans()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "a", 0, 100)
            .Add(2, 1, "b", 10, 20)
            .Add(3, 1, "b", 40, 30), LinkSemantics.Parent);

        var edge = Assert.Single(f.Edges);
        Assert.Equal(50, edge.TotalDurationUs);
        Assert.Equal(new long[] { 20, 30 }, edge.DurationsUs);
    }

    [Fact]
    public void Edges_whose_names_tie_keep_the_order_of_their_first_call()
    {
        // A service literally named "user" calling an uninstrumented "shop", and the virtual client "user" of a root
        // server span in "shop": two edges user→shop (virtual) that only the order of their first call tells apart.
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "user", 0, 10, SpanKind.Client, peer: "shop")
            .Add(2, 0, "shop", 20, 7, SpanKind.Server)
            .Add(3, 0, "shop", 30, 5, SpanKind.Server), LinkSemantics.OpenTelemetry);

        Assert.Equal(2, f.Edges.Count);
        Assert.All(f.Edges, e => Assert.Equal(("user", "shop", "virtual"), (e.Client, e.Server, e.ConnectionType)));
        Assert.Equal(new long[] { 10 }, f.Edges[0].DurationsUs);
        Assert.Equal(new long[] { 7, 5 }, f.Edges[1].DurationsUs);
        Assert.Equal(2, f.Edges[1].Calls);
        Assert.Equal(12, f.Edges[1].TotalDurationUs);
    }

    [Theory]
    [InlineData(LinkSemantics.OpenTelemetry)]
    [InlineData(LinkSemantics.Zipkin)]
    [InlineData(LinkSemantics.Parent)]
    public void A_string_table_too_large_for_packed_edge_keys_gives_the_same_edges(LinkSemantics semantics)
    {
        // Edge keys pack (client, server, type) into 64 bits only when every id fits in 30 bits; a table allowed more
        // names takes the two-probe path, which must give the same edges in the same order.
        static TestTrace Trace(StringTable strings) => new TestTrace(strings)
            .Add(1, 0, "user", 0, 10, SpanKind.Client, peer: "shop")
            .Add(2, 0, "shop", 20, 7, SpanKind.Server)
            .Add(3, 2, "shop", 21, 5, SpanKind.Client, peer: "orders-db", peerKind: PeerKind.Database)
            .Add(4, 2, "shop", 22, 4, SpanKind.Producer)
            .Add(5, 4, "mailer", 23, 3, SpanKind.Consumer, error: true)
            .Add(6, 2, "shop", 24, 9, SpanKind.Client)
            .Add(7, 6, "cart", 25, 8, SpanKind.Server);

        TraceFeatures narrow = Features.Of(Trace(new StringTable()), semantics);
        TraceFeatures wide = Features.Of(Trace(new StringTable(int.MaxValue)), semantics);

        Assert.NotEmpty(narrow.Edges);
        Assert.Equal(TraceFeaturesJson.ToUtf8(narrow), TraceFeaturesJson.ToUtf8(wide));
        Assert.Equal(narrow.Edges.Select(e => e.DurationsUs), wide.Edges.Select(e => e.DurationsUs));
    }

    [Fact]
    public void A_call_within_one_service_is_not_an_edge()
    {
        var f = Features.Of(new TestTrace().Add(1, 0, "a").Add(2, 1, "a").Add(3, 2, "a"), LinkSemantics.Parent);

        Assert.Empty(f.Edges);
    }

    [Fact]
    public void Edges_are_sorted_by_client_then_server_then_connection_type()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "z")
            .Add(2, 1, "b")
            .Add(3, 1, "a")
            .Add(4, 3, "a", kind: SpanKind.Client, peer: "db", peerKind: PeerKind.Database)
            .Add(5, 3, "c"), LinkSemantics.Parent);

        Assert.Equal(
            new[] { ("a", "c", "direct"), ("a", "db", "database"), ("z", "a", "direct"), ("z", "b", "direct") },
            f.Edges.Select(e => (e.Client, e.Server, e.ConnectionType)).ToArray());
    }

    [Fact]
    public void Auto_treats_an_inferred_shared_pair_as_zipkin_data()
    {
        // Under OpenTelemetry rules the client would pair with its server child and the root server would get "user";
        // Zipkin reads the same spans as one RPC.
        var t = new TestTrace()
            .Add(5, 0, "web", kind: SpanKind.Client)
            .Add(5, 0, "app", kind: SpanKind.Server);

        var f = Features.Of(t);

        Assert.Equal(new[] { ("web", "app", "direct", 1) }, f.Edges.Select(e => (e.Client, e.Server, e.ConnectionType, e.Calls)).ToArray());
    }

    [Fact]
    public void Zipkin_rules_give_no_link_for_single_spans_missing_a_service_name()
    {
        var incomplete = new (string? Local, string? Remote, SpanKind Kind)[]
        {
            (null, null, SpanKind.Server), ("server", null, SpanKind.Server), (null, "client", SpanKind.Server),
            (null, null, SpanKind.Client), ("client", null, SpanKind.Client), (null, "server", SpanKind.Client),
        };
        foreach (var (local, remote, kind) in incomplete)
        {
            var f = Features.Of(new TestTrace().Add(1, 0, local, kind: kind, peer: remote), LinkSemantics.Zipkin);
            Assert.Empty(f.Edges);
        }
    }

    [Fact]
    public void The_same_trace_gives_different_links_under_each_semantics()
    {
        // web server -> web client -> app server: Zipkin and OTel agree on web->app; only OTel adds user->web.
        TestTrace Trace() => new TestTrace()
            .Add(1, 0, "web", kind: SpanKind.Server)
            .Add(2, 1, "web", kind: SpanKind.Client)
            .Add(3, 2, "app", kind: SpanKind.Server);

        Assert.Equal(2, Features.Of(Trace(), LinkSemantics.OpenTelemetry).Edges.Count);
        Assert.Single(Features.Of(Trace(), LinkSemantics.Zipkin).Edges);
        Assert.Single(Features.Of(Trace(), LinkSemantics.Parent).Edges);
    }
}
