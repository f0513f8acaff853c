using StreamAnalytics.Features.Extract.Collections;
using StreamAnalytics.Features.Extract.Compact;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.CriticalPath;

/// <summary>
/// <c>criticalPath</c> and <c>criticalPathByService</c>, with the Jaeger UI definition: starting at the end of a
/// span, descend into the child that ends last, then, going back in time, into the child that ends last before the
/// previous one started, and so on; the span itself covers the gaps. Children are first clipped to their parent's
/// (clipped) interval, and a child wholly outside it, with its subtree, is off the path.
/// </summary>
/// <remarks>
/// <para>
/// Several roots (orphans, cycle members, late roots): the walk starts at a virtual root covering
/// [earliest start, latest end] of all spans, whose children are the roots; it behaves like any parent. So the
/// sections always tile [trace start, trace end] exactly, and time that no root covers (including time covered only
/// by spans dropped as outside their parent) goes to the virtual root: span id <see cref="GapSpanId"/>, service
/// <see cref="GapService"/>. A single root that spans the trace produces no gap section.
/// </para>
/// <para>
/// One deviation from Jaeger UI, which requires a previous child to end strictly before the next one starts: here a
/// child that ends exactly when the next one starts (back-to-back calls, common at microsecond precision) is on the
/// path, instead of crediting its time to the parent.
/// </para>
/// <para>Iterative with a cursor per span: each child is examined once, so the walk is O(n) after an O(n log n)
/// sort of each span's children by end. Times are microseconds. Not thread-safe.</para>
/// </remarks>
internal sealed class CriticalPathExtractor
{
    /// <summary>Span id of sections where no root span runs (the virtual root).</summary>
    public const string GapSpanId = "0000000000000000";

    /// <summary>Service of <see cref="GapSpanId"/> sections.</summary>
    public const string GapService = "untraced";

    private long[] _clipStart = [];
    private long[] _clipEnd = [];
    private bool[] _excluded = [];
    private int[] _items = [];
    private long[] _keys = [];
    private int[] _cursor = [];
    // The sections of the walk, back to front.
    private int[] _sectionSpan = new int[16];
    private long[] _sectionStart = new long[16];
    private long[] _sectionEnd = new long[16];
    private int _sectionCount;
    // Service → number in order of first appearance on the path (the order the document's map is filled in).
    private readonly DenseKeyTable _services = new();
    private long[] _serviceUs = new long[16];

    public void Extract(TraceTree tree, ReadOnlySpan<Span> spans, StringTable strings, TraceFeatures into)
    {
        int n = tree.Count;
        if (n == 0) return;
        int v = n; // the virtual root
        EnsureCapacity(n + 1);
        Clip(tree, v);
        SortChildrenByEnd(tree, v);
        Walk(tree, v);
        Emit(spans, strings, v, into);
        if (_clipStart.Length > TraceTree.RetainedCapacity)
        {
            _clipStart = _clipEnd = _keys = [];
            _excluded = [];
            _items = _cursor = [];
        }
        if (_sectionSpan.Length > TraceTree.RetainedCapacity)
        {
            _sectionSpan = new int[16];
            _sectionStart = new long[16];
            _sectionEnd = new long[16];
        }
    }

    private void EnsureCapacity(int size)
    {
        if (_clipStart.Length >= size) return;
        _clipStart = new long[size];
        _clipEnd = new long[size];
        _excluded = new bool[size];
        _items = new int[size];
        _keys = new long[size];
        _cursor = new int[size];
    }

    private void Clip(TraceTree tree, int v)
    {
        ReadOnlySpan<int> parent = tree.Parent;
        ReadOnlySpan<long> start = tree.StartUs, end = tree.EndUs;
        _clipStart[v] = tree.TraceStartUs;
        _clipEnd[v] = tree.TraceEndUs;
        _excluded[v] = false;
        foreach (int i in tree.Order)
        {
            int p = parent[i] >= 0 ? parent[i] : v;
            if (_excluded[p] || end[i] < _clipStart[p] || start[i] > _clipEnd[p])
            {
                _excluded[i] = true;
                continue;
            }
            _excluded[i] = false;
            _clipStart[i] = Math.Max(start[i], _clipStart[p]);
            _clipEnd[i] = Math.Min(end[i], _clipEnd[p]);
        }
    }

    // Children of span i are _items[childStart[i]..childStart[i+1]]; the virtual root's children (the roots) sit
    // after the last real segment, at [v - RootCount, v), which is exactly where TraceTree's CSR ends.

    private void SortChildrenByEnd(TraceTree tree, int v)
    {
        int childCount = v - tree.RootCount;
        tree.Children.CopyTo(_items);
        tree.Roots.CopyTo(_items.AsSpan(childCount));
        for (int k = 0; k < v; k++) _keys[k] = _excluded[_items[k]] ? long.MinValue : _clipEnd[_items[k]];
        ReadOnlySpan<int> childStart = tree.ChildStart;
        for (int i = 0; i < v; i++)
        {
            int lo = childStart[i], hi = childStart[i + 1];
            if (hi - lo > 1) SegmentSort.Sort(_keys, _items, lo, hi - lo);
            _cursor[i] = hi;
        }
        SegmentSort.Sort(_keys, _items, childCount, v - childCount);
        _cursor[v] = v;
    }

    private void Walk(TraceTree tree, int v)
    {
        _sectionCount = 0;
        ReadOnlySpan<int> parent = tree.Parent;
        ReadOnlySpan<int> childStart = tree.ChildStart;
        int rootSegment = v - tree.RootCount;
        int current = v;
        long t = _clipEnd[v];
        while (true)
        {
            int next = -1;
            int lo = current < v ? childStart[current] : rootSegment;
            while (_cursor[current] > lo)
            {
                int k = _items[--_cursor[current]];
                // A child ending after t never qualifies later either, since t only moves back in time.
                if (_excluded[k] || _clipEnd[k] > t) continue;
                next = k;
                break;
            }
            if (next >= 0)
            {
                Add(current, _clipEnd[next], t);
                current = next;
                t = _clipEnd[next];
            }
            else
            {
                Add(current, _clipStart[current], t);
                if (current == v) break;
                t = _clipStart[current];
                current = parent[current] >= 0 ? parent[current] : v;
            }
        }
    }

    private void Add(int span, long start, long end)
    {
        if (start >= end) return;
        int last = _sectionCount - 1;
        // Sections arrive back to front; a zero-length child between two pieces of its parent leaves them adjacent.
        if (last >= 0 && _sectionSpan[last] == span && _sectionStart[last] == end)
        {
            _sectionStart[last] = start;
            return;
        }
        if (_sectionCount == _sectionSpan.Length)
        {
            Array.Resize(ref _sectionSpan, _sectionCount * 2);
            Array.Resize(ref _sectionStart, _sectionCount * 2);
            Array.Resize(ref _sectionEnd, _sectionCount * 2);
        }
        _sectionSpan[_sectionCount] = span;
        _sectionStart[_sectionCount] = start;
        _sectionEnd[_sectionCount] = end;
        _sectionCount++;
    }

    private void Emit(ReadOnlySpan<Span> spans, StringTable strings, int v, TraceFeatures into)
    {
        _services.Clear();
        var path = new CriticalPathEntry[_sectionCount];
        for (int k = _sectionCount - 1, at = 0; k >= 0; k--, at++)
        {
            int span = _sectionSpan[k];
            long start = _sectionStart[k], end = _sectionEnd[k];
            int service = span == v ? -1 : spans[span].Service;
            // The gap's id 0 formats as GapSpanId.
            ulong spanId = span == v ? 0 : spans[span].SpanId.Value;
            path[at] = new CriticalPathEntry(spanId, service < 0 ? GapService : strings[service], start, end);
            int known = _services.Count;
            int number = _services.GetOrAdd(service);
            if (number == known)
            {
                if (number == _serviceUs.Length) Array.Resize(ref _serviceUs, number * 2);
                _serviceUs[number] = 0;
            }
            _serviceUs[number] += end - start;
        }
        var byService = new NamedTotal[_services.Count];
        for (int number = 0; number < byService.Length; number++)
        {
            int service = (int)_services.KeyAt(number);
            byService[number] = new NamedTotal(service < 0 ? GapService : strings[service], _serviceUs[number]);
        }
        into.SetCriticalPath(path, byService);
        _services.TrimTo(TraceTree.RetainedCapacity);
        if (_serviceUs.Length > TraceTree.RetainedCapacity) _serviceUs = new long[16];
    }
}
