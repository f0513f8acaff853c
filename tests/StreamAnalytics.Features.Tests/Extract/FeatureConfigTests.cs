using StreamAnalytics.Features.Extract;

namespace StreamAnalytics.Features.Tests.Extract;

public class FeatureConfigTests
{
    [Fact]
    public void Defaults_are_auto_links_and_paths_of_32_services()
    {
        Assert.Equal(LinkSemantics.Auto, FeatureConfig.Default.LinkSemantics);
        Assert.Equal(32, FeatureConfig.Default.MaxServicePathLength);
        FeatureConfig.Default.Validate();
    }

    [Fact]
    public void Properties_set_the_semantics_by_name()
    {
        var config = FeatureConfig.FromProperties(new Dictionary<string, string>
        {
            ["features.links.semantics"] = "Zipkin",
            ["features.service.paths.max.length"] = "8",
            ["unrelated.key"] = "x",
        });

        Assert.Equal(LinkSemantics.Zipkin, config.LinkSemantics);
        Assert.Equal(8, config.MaxServicePathLength);
    }

    [Fact]
    public void An_unknown_semantics_is_rejected_naming_the_key()
    {
        var ex = Assert.Throws<ArgumentException>(() => FeatureConfig.FromProperties(
            new Dictionary<string, string> { ["features.links.semantics"] = "jaeger" }));

        Assert.Contains("features.links.semantics", ex.Message);
    }

    [Fact]
    public void An_out_of_range_path_length_is_rejected_naming_the_key()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TraceFeatureExtractor(new FeatureConfig { MaxServicePathLength = 1 }));

        Assert.Contains("features.service.paths.max.length", ex.Message);
    }

    [Fact]
    public void An_undefined_enum_value_is_rejected_naming_the_key()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FeatureConfig { LinkSemantics = (LinkSemantics)42 }.Validate());

        Assert.Contains("features.links.semantics", ex.Message);
    }
}
