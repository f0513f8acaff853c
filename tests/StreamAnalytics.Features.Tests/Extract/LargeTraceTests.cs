using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract;

/// <summary>
/// Million-span traces: every extractor must be iterative (no recursion on depth) and near-linear. A stack overflow
/// would kill the test process; a quadratic algorithm would not finish.
/// </summary>
public class LargeTraceTests
{
    private const int Million = 1_000_000;

    [Fact]
    public void A_million_span_chain_completes()
    {
        var t = new TestTrace();
        for (int i = 1; i <= Million; i++) t.Add((ulong)i, (ulong)(i - 1), i % 2 == 0 ? "even" : "odd", 0, 1000);

        var f = Features.Of(t, LinkSemantics.Parent);

        Assert.Equal(Million, f.Depth);
        Assert.Equal(1, f.MaxFanOut);
        Assert.Equal(Million - 1, f.Edges.Sum(e => e.Calls));
        Assert.Equal(1, f.ServicePaths.Values.Sum());
        Assert.Equal(1000, f.CriticalPath.Sum(s => s.EndUs - s.StartUs));
    }

    [Fact]
    public void A_million_span_star_completes()
    {
        var t = new TestTrace();
        t.Add(1, 0, "hub", 0, 100);
        for (int i = 2; i <= Million; i++) t.Add((ulong)i, 1, "leaf", 10, 10, SpanKind.Server);

        var f = Features.Of(t);

        Assert.Equal(2, f.Depth);
        Assert.Equal(Million - 1, f.MaxFanOut);
        Assert.Equal(Million - 1, f.ServicePaths["hub>leaf"]);
        Assert.Equal(100, f.CriticalPath.Sum(s => s.EndUs - s.StartUs));
    }

    [Fact]
    public void A_deep_chain_of_kindless_spans_over_many_client_leaves_stays_linear_under_zipkin_rules()
    {
        // Walking up to the nearest kinded ancestor per leaf would be 500k x 500k steps.
        const int half = Million / 2;
        var t = new TestTrace();
        t.Add(1, 0, "entry", 0, 100, SpanKind.Server);
        for (int i = 2; i <= half; i++) t.Add((ulong)i, (ulong)(i - 1), i % 2 == 0 ? "x" : "y", 0, 100);
        for (int i = half + 1; i <= Million; i++) t.Add((ulong)i, half, "z", 1, 1, SpanKind.Client, peer: "db");

        var f = Features.Of(t, LinkSemantics.Zipkin);

        Assert.Equal(half + 1, f.Depth);
        Assert.Contains(f.Edges, e => e.Client == "z" && e.Server == "db" && e.Calls == half);
        Assert.Contains(f.Edges, e => e.Client == "entry" && e.Server == "z" && e.Calls == half);
        Assert.Equal(half, f.ServicePaths.Values.Sum());
        Assert.All(f.ServicePaths.Keys, k => Assert.EndsWith("...", k));
    }

    [Fact]
    public void A_million_span_parent_cycle_completes_with_every_span_counted()
    {
        var t = new TestTrace();
        for (int i = 1; i <= Million; i++) t.Add((ulong)i, (ulong)(i == 1 ? Million : i - 1), "ring", 0, 1);

        var f = Features.Of(t);

        Assert.Equal(Million, f.Quality.CycleSpans);
        Assert.Equal(1, f.Depth);
    }
}
