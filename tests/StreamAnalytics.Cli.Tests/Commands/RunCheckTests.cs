using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Cli.Configuration;

namespace StreamAnalytics.Cli.Tests.Commands;

public class RunCheckTests
{
    [Fact]
    public void The_effective_configuration_lists_set_keys_with_their_source_and_every_other_key_with_its_default()
    {
        var config = JobConfiguration.Load(null, ["application.id=check-me", "kafka.bootstrap.servers=b:9092", "source.topics=spans",
            "elasticsearch.password=hunter2"], new Dictionary<string, string?>());

        string text = RunCheck.Effective(config);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains("application.id=check-me  (--set)", lines);
        Assert.Contains("assembly.gap.ms=10000  (default)", lines);
        Assert.Contains("metrics.bind=0.0.0.0:9464  (default)", lines);
        Assert.DoesNotContain("hunter2", text);
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
        foreach (var key in ConfigKeys.All)
            if (key.Default is not null) Assert.Contains(lines, l => l.StartsWith(key.Name + "=", StringComparison.Ordinal));
    }
}
