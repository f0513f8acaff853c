using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Internals;

namespace StreamAnalytics.Streams.Tests.Internals;

public class RebalanceWatchTests
{
    private sealed class Lines : ILogger
    {
        public List<string> Messages { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages) Messages.Add(formatter(state, exception));
        }
    }

    [Fact]
    public void A_member_still_rebalancing_says_what_it_waits_for_every_ten_seconds_until_it_leaves()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var log = new Lines();
        using var watch = new RebalanceWatch(clock, log, () => "thread-1: waiting for the group coordinator");

        watch.Enter();
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(log.Messages);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["Still rebalancing after 10 s: thread-1: waiting for the group coordinator"], log.Messages);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, log.Messages.Count);
        Assert.Contains("after 20 s", log.Messages[1]);

        watch.Leave();
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(2, log.Messages.Count);

        // A new rebalance counts from its own start.
        watch.Enter();
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Contains("after 10 s", log.Messages[^1]);
    }

    [Fact]
    public void A_thread_waiting_for_its_assignment_names_the_group_and_a_restoring_one_its_progress()
    {
        string joining = RebalanceWatch.DescribeThread("app-StreamThread-1", StreamThreadState.Starting, 0, [], "trace-features");
        Assert.Contains("waiting for the group coordinator to assign partitions of group 'trace-features'", joining);

        var restores = new List<StoreRestoreStatus>
        {
            new("open-traces", "app-open-traces-changelog", 3, new TaskId(1, 3), ChangelogState.Restoring, 1200, 5000),
            new("open-traces", "app-open-traces-changelog", 4, new TaskId(1, 4), ChangelogState.Completed, 10, 10),
        };
        string restoring = RebalanceWatch.DescribeThread("app-StreamThread-1", StreamThreadState.PartitionsAssigned, 2, restores, "app");
        Assert.Equal("app-StreamThread-1: 2 partitions assigned; restoring 1 store partitions (app-open-traces-changelog[3] 1200/5000 records)", restoring);
    }
}
