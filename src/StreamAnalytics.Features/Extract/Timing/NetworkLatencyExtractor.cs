using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.Timing;

/// <summary>
/// <c>networkLatencies</c>: for every Client-kind span whose tree child is a Server-kind span (a Zipkin shared server
/// half included), server start minus client start in microseconds, aggregated per (client service, server service).
/// </summary>
/// <remarks>
/// The value is kept as measured, negative included: a negative latency is clock skew between the two hosts, which
/// <c>quality.clockSkewSpans</c> also counts, and clamping it would hide that. Sorted by client, then server.
/// </remarks>
internal sealed class NetworkLatencyExtractor
{
    private readonly Dictionary<(int Client, int Server), NetworkLatency> _pairs = new();

    public void Extract(TraceTree tree, ReadOnlySpan<Span> spans, StringTable strings, TraceFeatures into)
    {
        _pairs.Clear();
        ReadOnlySpan<int> parent = tree.Parent;
        ReadOnlySpan<long> start = tree.StartUs;
        for (int i = 0; i < spans.Length; i++)
        {
            int p = parent[i];
            if (p < 0 || spans[i].Kind != SpanKind.Server || spans[p].Kind != SpanKind.Client) continue;
            long latency = start[i] - start[p];
            var key = (spans[p].Service, spans[i].Service);
            if (!_pairs.TryGetValue(key, out NetworkLatency? agg))
            {
                agg = new NetworkLatency { Client = strings[key.Item1], Server = strings[key.Item2], MaxUs = latency };
                _pairs.Add(key, agg);
            }
            agg.Count++;
            agg.TotalUs += latency;
            if (latency > agg.MaxUs) agg.MaxUs = latency;
        }
        var list = into.NetworkLatencies;
        foreach (NetworkLatency l in _pairs.Values) list.Add(l);
        list.Sort(static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Client, b.Client);
            return c != 0 ? c : string.CompareOrdinal(a.Server, b.Server);
        });
        _pairs.Clear();
    }
}
