using StreamAnalytics.Features.Extract.Collections;
using StreamAnalytics.Features.Extract.Compact;
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
/// Pairs are aggregated in a reusable table and stored as one compact entry per distinct pair.
/// Not thread-safe.
/// </remarks>
internal sealed class NetworkLatencyExtractor
{
    private readonly DenseKeyTable _pairs = new();
    private int[] _count = new int[8];
    private long[] _totalUs = new long[8];
    private long[] _maxUs = new long[8];

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
            int known = _pairs.Count;
            int pair = _pairs.GetOrAdd(((long)spans[p].Service << 32) | (uint)spans[i].Service);
            if (pair == known) NewPair(pair, latency);
            _count[pair]++;
            _totalUs[pair] += latency;
            if (latency > _maxUs[pair]) _maxUs[pair] = latency;
        }
        NetworkLatencyEntry[] latencies = _pairs.Count == 0 ? [] : new NetworkLatencyEntry[_pairs.Count];
        for (int pair = 0; pair < latencies.Length; pair++)
        {
            long key = _pairs.KeyAt(pair);
            latencies[pair] = new NetworkLatencyEntry(strings[(int)(key >> 32)], strings[(int)key], _count[pair], _totalUs[pair], _maxUs[pair]);
        }
        // The same introsort as List.Sort (client/server pairs are distinct, so no ties anyway).
        latencies.AsSpan().Sort(NetworkLatencyEntry.ByClientThenServer);
        into.SetNetworkLatencies(latencies);
        _pairs.TrimTo(TraceTree.RetainedCapacity);
        if (_count.Length > TraceTree.RetainedCapacity)
        {
            _count = new int[8];
            _totalUs = new long[8];
            _maxUs = new long[8];
        }
    }

    private void NewPair(int pair, long latency)
    {
        if (pair == _count.Length)
        {
            Array.Resize(ref _count, pair * 2);
            Array.Resize(ref _totalUs, pair * 2);
            Array.Resize(ref _maxUs, pair * 2);
        }
        _count[pair] = 0;
        _totalUs[pair] = 0;
        _maxUs[pair] = latency;
    }
}
