using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.State;
using static StreamAnalytics.Features.Tests.Aggregate.AggregateTestTraces;

namespace StreamAnalytics.Features.Tests.Aggregate;

public class WindowStoreTests
{
    private sealed class FakeContext(FakeChangelog changelog) : IStateStoreContext
    {
        public StateRestoreCallback? Restore { get; private set; }
        public string ApplicationId => "app";
        public TaskId TaskId => new(0, 2);

        public IChangelog Register(IStateStore store, StateRestoreCallback restore)
        {
            Restore = restore;
            return changelog;
        }
    }

    [Fact]
    public void A_store_logs_on_flush_and_a_new_store_restores_the_open_windows_from_its_changelog()
    {
        var changelog = new FakeChangelog();
        var store = new WindowStore(new WindowedAggregator(new AggregateConfig(), partition: 2));
        store.Init(new FakeContext(changelog));
        var (t, f) = Checkout(1, 1_000);
        store.Aggregator.Add(t, f);
        store.Flush();
        Assert.NotEmpty(changelog.Records);
        Assert.Equal(WindowStore.DefaultName, store.Name);

        var restoredStore = new WindowStore(new WindowedAggregator(new AggregateConfig(), partition: 2));
        var context = new FakeContext(new FakeChangelog());
        restoredStore.Init(context);
        changelog.ReplayInto(context.Restore!);

        Assert.Equal(WindowedAggregatorTests.Json(store.Aggregator.FlushAll()), WindowedAggregatorTests.Json(restoredStore.Aggregator.FlushAll()));
    }

    [Fact]
    public void Flushing_before_init_fails_with_the_store_name()
    {
        var store = new WindowStore(new WindowedAggregator(new AggregateConfig()), "my-windows");
        var e = Assert.Throws<InvalidOperationException>(store.Flush);
        Assert.Contains("my-windows", e.Message);
    }
}
