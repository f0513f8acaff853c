using StreamAnalytics.Features.Extract;
using StreamAnalytics.Features.Extract.ServicePaths;
using StreamAnalytics.Features.Extract.Tree;

namespace StreamAnalytics.Features.Tests.Extract.ServicePaths;

public class ServicePathsExtractorTests
{
    [Fact]
    public void Each_leaf_counts_its_root_to_leaf_chain_with_repeated_services_collapsed()
    {
        var f = Features.Of(new TestTrace()
            .Add(1, 0, "frontend")
            .Add(2, 1, "frontend")          // same service: collapsed
            .Add(3, 2, "checkout")
            .Add(4, 3, "cart")              // leaf
            .Add(5, 3, "cart")              // leaf
            .Add(6, 1, "ads"));             // leaf

        Assert.Equal(2, f.ServicePaths.Count);
        Assert.Equal(2, f.ServicePaths["frontend>checkout>cart"]);
        Assert.Equal(1, f.ServicePaths["frontend>ads"]);
    }

    [Fact]
    public void A_service_seen_again_after_another_is_not_collapsed()
    {
        var f = Features.Of(new TestTrace().Add(1, 0, "a").Add(2, 1, "b").Add(3, 2, "a"));

        Assert.Equal(1, f.ServicePaths["a>b>a"]);
    }

    [Fact]
    public void A_single_span_is_a_path_of_one_service()
    {
        var f = Features.Of(new TestTrace().Add(1, 0, "solo"));

        Assert.Equal(1, f.ServicePaths["solo"]);
    }

    [Fact]
    public void A_path_longer_than_the_limit_ends_in_an_ellipsis()
    {
        var t = new TestTrace();
        for (ulong i = 1; i <= 10; i++) t.Add(i, i - 1, "s" + i);
        var extractor = new TraceFeatureExtractor(new FeatureConfig { MaxServicePathLength = 3 });

        var f = extractor.Extract(t.Build());

        Assert.Equal(1, f.ServicePaths["s1>s2>s3>..."]);
    }

    [Fact]
    public void A_trace_whose_path_was_shortened_is_counted_on_the_features_meter()
    {
        var t = new TestTrace();
        for (ulong i = 1; i <= 10; i++) t.Add(i, i - 1, "s" + i);
        var extractor = new TraceFeatureExtractor(new FeatureConfig { MaxServicePathLength = 3 });
        long shortened = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == FeatureMetrics.MeterName && i.Name == "features_service_paths_shortened") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref shortened, value));
        listener.Start();

        extractor.Extract(t.Build());

        Assert.True(Interlocked.Read(ref shortened) >= 1);
    }

    private static TraceFeatures Paths(ServicePathsExtractor extractor, TestTrace t, int maxLength = 32)
    {
        var trace = t.Build();
        return Paths(extractor, trace.Spans.ToArray(), trace.Strings, maxLength);
    }

    private static TraceFeatures Paths(ServicePathsExtractor extractor, StreamAnalytics.Formats.Model.Span[] spans, StreamAnalytics.Formats.Model.StringTable strings, int maxLength = 32)
    {
        var tree = new TraceTree();
        tree.Build(spans);
        var f = new TraceFeatures();
        extractor.Extract(tree, spans, strings, maxLength, f);
        return f;
    }

    [Fact]
    public void Paths_remembered_from_earlier_traces_give_the_same_counts_and_order()
    {
        var extractor = new ServicePathsExtractor();
        var shop = new TestTrace().Add(1, 0, "web").Add(2, 1, "cart").Add(3, 1, "ads").Add(4, 2, "db");
        var spans = shop.Build().Spans.ToArray();

        var first = Paths(extractor, shop);
        var second = Paths(extractor, shop);
        // Same names (same table), reaching only some remembered paths, in another order: only its own leaves, in
        // its own order.
        var third = Paths(extractor, [spans[0], spans[2], spans[1]], shop.Strings);

        Assert.Equal(["web>ads", "web>cart>db"], first.ServicePaths.Keys);
        Assert.Equal(first.ServicePaths, second.ServicePaths);
        Assert.Same(first.ServicePaths.Keys.First(), second.ServicePaths.Keys.First());
        Assert.Equal(["web>ads", "web>cart"], third.ServicePaths.Keys);
        Assert.All(third.ServicePaths.Values, v => Assert.Equal(1, v));
    }

    [Fact]
    public void Remembered_paths_do_not_leak_across_string_tables_or_length_limits()
    {
        var extractor = new ServicePathsExtractor();
        // Fresh tables give the same ids to their first names.
        Assert.Equal(["a>b"], Paths(extractor, new TestTrace().Add(1, 0, "a").Add(2, 1, "b")).ServicePaths.Keys);
        Assert.Equal(["x>y"], Paths(extractor, new TestTrace().Add(1, 0, "x").Add(2, 1, "y")).ServicePaths.Keys);

        var t = new TestTrace().Add(1, 0, "a").Add(2, 1, "b").Add(3, 2, "c");
        Assert.Equal(["a>b>c"], Paths(extractor, t, maxLength: 3).ServicePaths.Keys);
        Assert.Equal(["a>b>..."], Paths(extractor, t, maxLength: 2).ServicePaths.Keys);
    }

    [Fact]
    public void The_remembered_paths_are_bounded()
    {
        var extractor = new ServicePathsExtractor();
        var wide = new TestTrace().Add(1, 0, "root");
        for (ulong i = 0; i < PathTrie.MaxPaths + 10; i++) wide.Add(i + 2, 1, "s" + i);

        var f = Paths(extractor, wide);

        Assert.Equal(PathTrie.MaxPaths + 10, f.ServicePaths.Count);
        Assert.Equal(1, f.ServicePaths["root>s123"]);
        Assert.True(extractor.CachedPaths <= PathTrie.MaxPaths);
        Assert.Equal(["a"], Paths(extractor, new TestTrace().Add(1, 0, "a")).ServicePaths.Keys);
    }
}

public class ServicePathLatencyTests
{
    // frontend (1 s) calls checkout (600 ms, whose own query takes 500 ms) and ads (50 ms): two paths, one trace.
    private static TestTrace ShopTrace() => new TestTrace()
        .Add(1, 0, "frontend", startUs: 0, durationUs: 1_000_000)
        .Add(2, 1, "checkout", startUs: 10_000, durationUs: 600_000)
        .Add(3, 2, "checkout", startUs: 20_000, durationUs: 500_000, operation: "query")
        .Add(4, 1, "ads", startUs: 700_000, durationUs: 50_000);

    [Fact]
    public void Each_path_records_its_slowest_leaf_call_the_outermost_span_of_its_last_service()
    {
        var f = Features.Of(ShopTrace());

        Assert.Equal(600_000, f.ServicePathLeafCallUs["frontend>checkout"]); // the call into checkout, not its inner query
        Assert.Equal(50_000, f.ServicePathLeafCallUs["frontend>ads"]);
    }

    [Fact]
    public void Service_path_aggregates_measure_the_leaf_call_so_paths_of_one_trace_differ()
    {
        var trace = ShopTrace().Build();
        var features = new TraceFeatureExtractor(FeatureConfig.Default).Extract(trace);
        var aggregator = new StreamAnalytics.Features.Aggregate.WindowedAggregator(new StreamAnalytics.Features.Aggregate.AggregateConfig { WindowMs = 60_000, GraceMs = 10_000 });
        aggregator.Add(trace, features);

        var paths = aggregator.FlushAll().Where(d => d.Kind == StreamAnalytics.Features.Aggregate.AggregateKind.ServicePath).ToDictionary(d => d.Path!);

        Assert.InRange(paths["frontend>checkout"].P50, 600_000 * 0.98, 600_000 * 1.02);
        Assert.InRange(paths["frontend>ads"].P50, 50_000 * 0.98, 50_000 * 1.02);
        Assert.Equal(600_000, paths["frontend>checkout"].Max);
    }
}
