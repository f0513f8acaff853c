using StreamAnalytics.Features.Aggregate;
using static StreamAnalytics.Features.Tests.Aggregate.AggregateTestTraces;

namespace StreamAnalytics.Features.Tests.Aggregate;

public class SeriesLimiterTests
{
    [Fact]
    public void Series_beyond_the_limit_go_to_one_overflow_series_and_nothing_is_lost()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig { CardinalityLimit = 3 });
        for (int i = 0; i < 10; i++)
        {
            var (t, f) = Single((ulong)i + 1, 1_000, "svc", "op-" + i);
            aggregator.Add(t, f);
        }
        var (again, againF) = Single(100, 1_000, "svc", "op-0");
        aggregator.Add(again, againF); // an admitted series keeps its own document

        var operations = aggregator.FlushAll().Where(d => d.Kind == AggregateKind.Operation).ToList();
        Assert.Equal(4, operations.Count);
        var overflow = operations.Single(d => d.Overflow);
        Assert.Equal(AggregateKey.OverflowValue, overflow.Service);
        Assert.Equal(AggregateKey.OverflowValue, overflow.Operation);
        Assert.Equal(7, overflow.Count);
        Assert.Equal(2, operations.Single(d => d.Operation == "op-0").Count);
        Assert.Equal(11, operations.Sum(d => d.Count));
        Assert.Equal(7, aggregator.Limiter.OverflowedUpdates(AggregateKind.Operation));
        Assert.Equal(0, aggregator.Limiter.OverflowedUpdates(AggregateKind.Edge));
    }

    [Fact]
    public void The_limit_applies_per_window()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig { CardinalityLimit = 1 });
        var (a, fa) = Single(1, 1_000, "svc", "a");
        var (b, fb) = Single(2, 61_000, "svc", "b");
        aggregator.Add(a, fa);
        aggregator.Add(b, fb);
        Assert.DoesNotContain(aggregator.FlushAll(), d => d.Overflow);
    }

    [Fact]
    public void An_existing_series_is_admitted_even_at_the_limit()
    {
        var limiter = new SeriesLimiter(1);
        var key = AggregateKey.ServicePath("a>b");
        Assert.Equal(key, limiter.Admit(key, exists: true, seriesOfKind: 1));
        Assert.True(limiter.Admit(AggregateKey.ServicePath("c"), exists: false, seriesOfKind: 1).IsOverflow);
        Assert.Equal(1, limiter.OverflowedUpdates(AggregateKind.ServicePath));
    }
}
