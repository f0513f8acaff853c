using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Aggregate;

/// <summary>Operation series are keyed by names (not by interned ids), one per kind and status, with overflow counted per update.</summary>
public class OperationSeriesTests
{
    private static AggregateDocument Operation(IReadOnlyList<AggregateDocument> docs, string service, string operation) =>
        Assert.Single(docs, d => d.Kind == AggregateKind.Operation && d.Service == service && d.Operation == operation);

    [Fact]
    public void Repeated_operations_accumulate_in_one_series_per_name_kind_and_status()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig { WindowMs = 60_000 });
        for (ulong i = 1; i <= 50; i++)
        {
            var (trace, features) = AggregateTestTraces.Checkout(i, 1_000 + (long)i, rootError: i % 5 == 0);
            aggregator.Add(trace, features);
        }
        var docs = aggregator.FlushAll();
        var root = docs.Where(d => d.Kind == AggregateKind.Operation && d.Service == "frontend" && d.Operation == "GET /checkout").ToList();
        Assert.Equal(2, root.Count); // one series per status
        Assert.Equal(10, root.Single(d => d.Status == "error").Count);
        Assert.Equal(40, root.Single(d => d.Status != "error").Count);
        Assert.Equal(50, docs.Where(d => d.Kind == AggregateKind.Operation && d.Service == "checkout" && d.Operation == "POST /pay").Sum(d => d.Count));
    }

    [Fact]
    public void Traces_interned_in_another_string_table_land_in_the_same_series_by_name()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig { WindowMs = 60_000 });
        var (first, firstFeatures) = AggregateTestTraces.Single(1, 1_000, "cart", "GetCart");
        aggregator.Add(first, firstFeatures);

        // Same names, different ids: "cart" is interned after other names in a fresh table.
        var other = new StringTable();
        other.Intern("padding-a");
        other.Intern("padding-b");
        var span = first.Spans[0];
        span.TraceId = new TraceId(0, 2);
        span.Service = other.Intern("cart");
        span.Operation = other.Intern("GetCart");
        aggregator.Add(new Trace(span.TraceId, [span], 1, other), AggregateTestTraces.Single(2, 1_000, "cart", "GetCart").Features);

        Assert.Equal(2, Operation(aggregator.FlushAll(), "cart", "GetCart").Count);
    }

    [Fact]
    public void Operations_beyond_the_cardinality_limit_keep_counting_into_the_overflow_series_on_every_update()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig { WindowMs = 60_000, CardinalityLimit = 2 });
        for (ulong i = 1; i <= 6; i++)
        {
            var (trace, features) = AggregateTestTraces.Single(i, 1_000, "svc", "op" + (i % 3));
            aggregator.Add(trace, features);
        }
        var docs = aggregator.FlushAll().Where(d => d.Kind == AggregateKind.Operation).ToList();
        Assert.Equal(6, docs.Sum(d => d.Count));
        Assert.Equal(2, docs.Single(d => d.Key.IsOverflow).Count);
        Assert.Equal(2, aggregator.Limiter.OverflowedUpdates(AggregateKind.Operation));
    }
}
