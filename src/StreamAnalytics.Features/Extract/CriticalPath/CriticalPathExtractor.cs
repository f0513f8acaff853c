using StreamAnalytics.Features.Extract.Collections;
using StreamAnalytics.Features.Extract.Compact;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.CriticalPath;

/// <summary>
/// <c>criticalPath</c>, <c>criticalPathByService</c> and <c>criticalPathOutsideRootUs</c>, with Jaeger UI's
/// definition: starting at the end of the root span, descend into the child that ends last, then, going back in time,
/// into the child that ends last strictly before the previous one started, and so on; a span covers the gaps between
/// the children it waited for. The path covers the root span exactly: time outside it is not on the path but counted
/// in <c>criticalPathOutsideRootUs</c>.
/// </summary>
/// <remarks>
/// <para>
/// Which spans take part, as Jaeger UI sanitises a trace before the walk (parents are handled before their children,
/// so a child is judged against its parent's clipped interval):
/// </para>
/// <list type="bullet">
/// <item>Only the root span's tree (<see cref="TraceTree.MainRoot"/>: the earliest span without a parent id, else the
/// earliest orphan); other roots, orphans and cycle members with their subtrees are off the path.</item>
/// <item>A child that does not block its parent is off the path with its subtree: a Jaeger FOLLOWS_FROM reference
/// (<see cref="SpanFlags.FollowsFrom"/>), and a CONSUMER child of a PRODUCER parent (the producer does not wait for the
/// message to be consumed), whatever the input format.</item>
/// <item>A child is clipped to its parent's interval. A child starting at or after its parent's end, or starting before
/// its parent and ending at or before the parent's start, is off the path with its subtree.</item>
/// </list>
/// <para>
/// So the sections tile [root start, root end] exactly, and the durations in <c>criticalPathByService</c> add up to the
/// root's duration; <c>durationUs</c> = root duration + <c>criticalPathOutsideRootUs</c>. Going back from a child, a
/// sibling that ended exactly when that child started (back-to-back calls) is not followed: as in Jaeger UI, the parent
/// is credited with that sibling's time. Of children that end at the same microsecond, the earliest-starting one is
/// followed (then the first in the trace), as Jaeger UI keeps children in start order. One difference of form, not of time: where Jaeger UI lists two
/// adjacent sections of the same span (around a zero-length child), they are one section here.
/// </para>
/// <para>Iterative with a cursor per span: each child is examined once, so the walk is O(n) after an O(n log n)
/// sort of each span's children by end. Times are microseconds. Not thread-safe.</para>
/// </remarks>
internal sealed class CriticalPathExtractor
{
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
        int root = tree.MainRoot;
        EnsureCapacity(n);
        Clip(tree, spans, root);
        SortChildrenByEnd(tree);
        Walk(tree, root);
        Emit(spans, strings, into);
        into.CriticalPathOutsideRootUs = (tree.TraceEndUs - tree.TraceStartUs) - (_clipEnd[root] - _clipStart[root]);
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

    private void Clip(TraceTree tree, ReadOnlySpan<Span> spans, int root)
    {
        ReadOnlySpan<int> parent = tree.Parent;
        ReadOnlySpan<long> start = tree.StartUs, end = tree.EndUs;
        // Order is breadth-first, so a parent is always clipped (or excluded) before its children.
        foreach (int i in tree.Order)
        {
            int p = parent[i];
            if (i == root)
            {
                _excluded[i] = false;
                _clipStart[i] = start[i];
                _clipEnd[i] = end[i];
                continue;
            }
            if (p < 0 || _excluded[p] || !Blocks(spans[i], spans[p])
                || start[i] >= _clipEnd[p] || (start[i] < _clipStart[p] && end[i] <= _clipStart[p]))
            {
                _excluded[i] = true;
                continue;
            }
            _excluded[i] = false;
            _clipStart[i] = Math.Max(start[i], _clipStart[p]);
            _clipEnd[i] = Math.Min(end[i], _clipEnd[p]);
        }
    }

    /// <summary>Whether <paramref name="parent"/> waits for <paramref name="child"/> (see the class remarks).</summary>
    private static bool Blocks(in Span child, in Span parent) =>
        (child.Flags & SpanFlags.FollowsFrom) == 0 && !(child.Kind == SpanKind.Consumer && parent.Kind == SpanKind.Producer);

    // Children of span i are _items[childStart[i]..childStart[i+1]], sorted by clipped end; excluded ones sort first
    // and are skipped by the walk.

    private void SortChildrenByEnd(TraceTree tree)
    {
        int n = tree.Count;
        ReadOnlySpan<int> children = tree.Children;
        children.CopyTo(_items);
        for (int k = 0; k < children.Length; k++) _keys[k] = _excluded[_items[k]] ? long.MinValue : _clipEnd[_items[k]];
        ReadOnlySpan<int> childStart = tree.ChildStart;
        for (int i = 0; i < n; i++)
        {
            int lo = childStart[i], hi = childStart[i + 1];
            if (hi - lo > 1) SegmentSort.Sort(_keys, _items, lo, hi - lo);
            _cursor[i] = hi;
        }
    }

    private void Walk(TraceTree tree, int root)
    {
        _sectionCount = 0;
        ReadOnlySpan<int> parent = tree.Parent;
        ReadOnlySpan<int> childStart = tree.ChildStart;
        ReadOnlySpan<long> start = tree.StartUs;
        int current = root;
        long t = _clipEnd[root];
        // Descending into a span, any child qualifies (all end by t, the span's clipped end); back in a parent after a
        // child, only a child that ended strictly before that child started does (Jaeger UI's rule).
        bool returning = false;
        while (true)
        {
            int next = -1;
            int lo = childStart[current];
            while (_cursor[current] > lo)
            {
                int k = _items[--_cursor[current]];
                // A child skipped here never qualifies later either, since t only moves back in time.
                if (_excluded[k] || _clipEnd[k] > t || (returning && _clipEnd[k] == t)) continue;
                next = PickAmongEqualEnds(current, lo, k, start);
                break;
            }
            if (next >= 0)
            {
                Add(current, _clipEnd[next], t);
                current = next;
                t = _clipEnd[next];
                returning = false;
            }
            else
            {
                Add(current, _clipStart[current], t);
                if (current == root) break;
                t = _clipStart[current];
                current = parent[current];
                returning = true;
            }
        }
    }

    /// <summary>
    /// Of <paramref name="found"/> and the children under the cursor that end at the same time, the one Jaeger UI takes:
    /// it keeps children sorted by start time (stable, so trace order breaks ties) and takes the first with the latest
    /// end. The others are consumed: once back from the chosen one, none of them ends strictly before it started.
    /// </summary>
    private int PickAmongEqualEnds(int current, int lo, int found, ReadOnlySpan<long> start)
    {
        long end = _clipEnd[found];
        while (_cursor[current] > lo)
        {
            int other = _items[_cursor[current] - 1];
            // Excluded children sort first (key long.MinValue), so the first one met ends the run.
            if (_excluded[other] || _clipEnd[other] != end) break;
            _cursor[current]--;
            if (start[other] < start[found] || (start[other] == start[found] && other < found)) found = other;
        }
        return found;
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

    private void Emit(ReadOnlySpan<Span> spans, StringTable strings, TraceFeatures into)
    {
        _services.Clear();
        var path = new CriticalPathEntry[_sectionCount];
        for (int k = _sectionCount - 1, at = 0; k >= 0; k--, at++)
        {
            int span = _sectionSpan[k];
            long start = _sectionStart[k], end = _sectionEnd[k];
            int service = spans[span].Service;
            path[at] = new CriticalPathEntry(spans[span].SpanId.Value, strings[service], start, end);
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
            byService[number] = new NamedTotal(strings[(int)_services.KeyAt(number)], _serviceUs[number]);
        }
        into.SetCriticalPath(path, byService);
        _services.TrimTo(TraceTree.RetainedCapacity);
        if (_serviceUs.Length > TraceTree.RetainedCapacity) _serviceUs = new long[16];
    }
}
