using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;

namespace StreamAnalytics.Cli.Tests.Configuration;

public class TraceJobSettingsTests
{
    private static TraceJobSettings Settings(params string[] sets) =>
        TraceJobSettings.From(JobConfiguration.Load(null, ["kafka.bootstrap.servers=k:9092", .. sets], new Dictionary<string, string?>()));

    [Fact]
    public void Exactly_once_without_a_commit_interval_gets_the_100_ms_default()
    {
        Assert.Equal(100, Settings("processing.guarantee=exactly_once_v2").Streams.CommitIntervalMs);
    }

    [Fact]
    public void At_least_once_without_a_commit_interval_gets_1000_ms()
    {
        Assert.Equal(1000, Settings().Streams.CommitIntervalMs);
    }

    [Fact]
    public void A_set_commit_interval_wins_under_either_guarantee()
    {
        Assert.Equal(2500, Settings("processing.guarantee=exactly_once_v2", "commit.interval.ms=2500").Streams.CommitIntervalMs);
        Assert.Equal(40, Settings("commit.interval.ms=40").Streams.CommitIntervalMs);
    }
}
