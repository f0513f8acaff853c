using StreamAnalytics.Features.Assembly;

namespace StreamAnalytics.Features.Tests.Assembly;

public sealed class AssemblyConfigTests
{
    [Fact]
    public void The_defaults_are_the_documented_ones_and_valid()
    {
        var c = AssemblyConfig.Default.Validate();

        Assert.Equal(10_000, c.GapMs);
        Assert.Equal(300_000, c.MaxTraceDurationMs);
        Assert.Equal(2_000, c.RootGraceMs);
        Assert.Equal(10_000, c.MaxSpansPerTrace);
        Assert.Equal(512L * 1024 * 1024, c.MaxOpenBytes);
        Assert.Null(c.MaxOpenTraces);
        Assert.Equal(60_000, c.LateRetentionMs);
        Assert.Equal(300_000 + 60_000 + AssemblyConfig.ChangelogRetentionMarginMs, c.EffectiveChangelogRetentionMs);
    }

    [Theory]
    [InlineData("assembly.gap.ms", "0")]
    [InlineData("assembly.max.trace.duration.ms", "-1")]
    [InlineData("assembly.root.grace.ms", "-5")]
    [InlineData("assembly.max.spans.per.trace", "0")]
    [InlineData("assembly.max.open.bytes", "1024")]
    [InlineData("assembly.max.open.traces", "0")]
    [InlineData("assembly.late.retention.ms", "-1")]
    [InlineData("assembly.late.max.bytes", "-1")]
    [InlineData("assembly.changelog.retention.ms", "360000")]
    [InlineData("assembly.gap.ms", "ten seconds")]
    public void An_out_of_range_value_is_rejected_naming_its_key(string key, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => AssemblyConfig.FromDictionary(new Dictionary<string, string> { [key] = value }));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void A_misspelt_assembly_key_is_an_error_and_other_keys_are_ignored()
    {
        var e = Assert.Throws<ArgumentException>(() => AssemblyConfig.FromDictionary(new Dictionary<string, string> { ["assembly.gap.msec"] = "1" }));
        Assert.Contains("assembly.gap.msec", e.Message);

        var c = AssemblyConfig.FromDictionary(new Dictionary<string, string>
        {
            ["application.id"] = "x",
            ["assembly.gap.ms"] = "4000",
            ["assembly.max.open.traces"] = "100",
        });
        Assert.Equal(4_000, c.GapMs);
        Assert.Equal(100, c.MaxOpenTraces);
        Assert.Equal(TimeSpan.FromSeconds(1), c.PunctuationInterval);
    }

    [Fact]
    public void The_changelog_is_compacted_and_also_deleted_past_the_longest_a_trace_can_stay_open()
    {
        var store = AssemblyTestKit.Store(new AssemblyConfig { ChangelogRetentionMs = 3_600_000, LateRetentionMs = 120_000 });

        Assert.Equal("compact,delete", store.ChangelogTopicConfig["cleanup.policy"]);
        Assert.Equal("3600000", store.ChangelogTopicConfig["retention.ms"]);
        Assert.Equal("60000", store.ChangelogTopicConfig["segment.ms"]);
        Assert.Equal("120000", store.ChangelogTopicConfig["delete.retention.ms"]);
    }
}
