using StreamAnalytics.Features.Extract;

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
}
