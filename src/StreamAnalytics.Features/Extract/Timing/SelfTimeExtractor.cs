using System.Runtime.InteropServices;
using StreamAnalytics.Features.Extract.SpanCounts;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.Timing;

/// <summary>
/// <c>selfTimeByOperation</c>: per span, its duration minus the union of its children's intervals clipped to it,
/// summed per <c>service::operation</c> (microseconds).
/// </summary>
/// <remarks>
/// Uses the union, not the sum, of the children, so parallel children are not subtracted twice and self time is never
/// negative. O(n log n) overall (each span's children are sorted once). Not thread-safe.
/// </remarks>
internal sealed class SelfTimeExtractor
{
    private long[] _starts = [];
    private long[] _ends = [];
    private readonly Dictionary<long, long> _byOperation = new();
    private readonly OperationKeyCache _names = new();

    public void Extract(TraceTree tree, ReadOnlySpan<Span> spans, StringTable strings, TraceFeatures into)
    {
        _byOperation.Clear();
        ReadOnlySpan<long> start = tree.StartUs, end = tree.EndUs;
        for (int i = 0; i < tree.Count; i++)
        {
            long s = start[i], e = end[i];
            long self = e - s;
            ReadOnlySpan<int> children = tree.ChildrenOf(i);
            if (children.Length > 0 && self > 0) self -= CoveredByChildren(children, start, end, s, e);
            long key = ((long)spans[i].Service << 32) | (uint)spans[i].Operation;
            CollectionsMarshal.GetValueRefOrAddDefault(_byOperation, key, out _) += self;
        }
        var selfTime = into.SelfTimeByOperation;
        selfTime.EnsureCapacity(selfTime.Count + _byOperation.Count);
        foreach (var (key, us) in _byOperation)
        {
            string name = _names.Get(strings, (int)(key >> 32), (int)key);
            CollectionsMarshal.GetValueRefOrAddDefault(selfTime, name, out _) += us;
        }
        if (_starts.Length > TraceTree.RetainedCapacity)
        {
            _starts = [];
            _ends = [];
        }
    }

    private long CoveredByChildren(ReadOnlySpan<int> children, ReadOnlySpan<long> start, ReadOnlySpan<long> end, long s, long e)
    {
        if (_starts.Length < children.Length)
        {
            _starts = new long[children.Length];
            _ends = new long[children.Length];
        }
        int m = 0;
        foreach (int c in children)
        {
            long cs = Math.Max(start[c], s), ce = Math.Min(end[c], e);
            if (cs >= ce) continue;
            _starts[m] = cs;
            _ends[m] = ce;
            m++;
        }
        if (m == 0) return 0;
        Array.Sort(_starts, _ends, 0, m);
        long covered = 0, runStart = _starts[0], runEnd = _ends[0];
        for (int k = 1; k < m; k++)
        {
            if (_starts[k] > runEnd)
            {
                covered += runEnd - runStart;
                runStart = _starts[k];
                runEnd = _ends[k];
            }
            else if (_ends[k] > runEnd)
            {
                runEnd = _ends[k];
            }
        }
        return covered + (runEnd - runStart);
    }
}
