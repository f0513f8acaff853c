using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats.Model;
using Xunit.Abstractions;
using static StreamAnalytics.Features.Tests.Assembly.AssemblyTestKit;

namespace StreamAnalytics.Features.Tests.Assembly;

/// <summary>A rough check of the managed heap an open span costs (not a timing test).</summary>
// GC.GetTotalMemory sees every thread's allocations: run alone, not beside other test classes (521 bytes per span was
// measured once while other classes ran in parallel).
[Collection(HeapMeasurement.Name)]
public sealed class OpenTraceStoreMemoryTests(ITestOutputHelper output)
{
    private const int OpenSpans = 200_000;

    [Theory]
    [InlineData(20)]
    [InlineData(1)]
    public void Holding_200000_open_spans_costs_at_most_256_bytes_of_heap_per_span(int spansPerTrace)
    {
        var strings = new StringTable();
        var template = Child(strings, Tid(1), 1);
        var config = new AssemblyConfig { MaxOpenBytes = 1L << 32 };

        long before = GC.GetTotalMemory(forceFullCollection: true);
        var store = Store(config, strings);
        int traces = OpenSpans / spansPerTrace;
        for (int t = 0; t < traces; t++)
        {
            var span = template;
            span.TraceId = new TraceId(0xF00D, (ulong)t * 0x9E3779B97F4A7C15UL + 1);
            for (int s = 0; s < spansPerTrace; s++)
            {
                span.SpanId = new SpanId((ulong)s + 2);
                store.TryAdd(in span, 0, T0Wall);
            }
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(store);

        double perSpan = (after - before) / (double)OpenSpans;
        output.WriteLine($"{spansPerTrace} spans/trace: {perSpan:F1} bytes of managed heap per open span "
            + $"(accounted {store.OpenBytes / (double)OpenSpans:F1})");
        Assert.Equal(OpenSpans, store.OpenSpanCount);
        Assert.True(perSpan <= 256, $"{perSpan:F1} bytes per open span");
    }
}
