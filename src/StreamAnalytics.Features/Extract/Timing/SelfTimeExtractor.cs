using StreamAnalytics.Features.Extract.Compact;
using StreamAnalytics.Features.Extract.SpanCounts;
using StreamAnalytics.Features.Extract.Tree;

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
    private long[] _byGroup = [];

    public void Extract(TraceTree tree, OperationGroups groups, TraceFeatures into)
    {
        if (_byGroup.Length < groups.Count) _byGroup = new long[Math.Max(groups.Count, 16)];
        Array.Clear(_byGroup, 0, groups.Count);
        ReadOnlySpan<int> groupOf = groups.GroupOf;
        ReadOnlySpan<long> start = tree.StartUs, end = tree.EndUs;
        for (int i = 0; i < tree.Count; i++)
        {
            long s = start[i], e = end[i];
            long self = e - s;
            ReadOnlySpan<int> children = tree.ChildrenOf(i);
            if (children.Length > 0 && self > 0) self -= CoveredByChildren(children, start, end, s, e);
            _byGroup[groupOf[i]] += self;
        }
        // In group order, which is the order the dictionary is filled in when someone reads it.
        NamedTotal[] selfTime = groups.Count == 0 ? [] : new NamedTotal[groups.Count];
        for (int g = 0; g < selfTime.Length; g++) selfTime[g] = new NamedTotal(groups.Name(g), _byGroup[g]);
        into.SetSelfTimeByOperation(selfTime);
        if (_starts.Length > TraceTree.RetainedCapacity)
        {
            _starts = [];
            _ends = [];
        }
        if (_byGroup.Length > TraceTree.RetainedCapacity) _byGroup = [];
    }

    private long CoveredByChildren(ReadOnlySpan<int> children, ReadOnlySpan<long> start, ReadOnlySpan<long> end, long s, long e)
    {
        if (children.Length == 1)
        {
            // The common case (chains of calls): no union to build.
            int only = children[0];
            return Math.Max(0, Math.Min(end[only], e) - Math.Max(start[only], s));
        }
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
        SegmentSort.Sort(_starts, _ends, 0, m); // any order of equal starts gives the same union
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
