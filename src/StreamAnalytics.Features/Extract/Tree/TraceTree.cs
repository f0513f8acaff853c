using System.Diagnostics;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.Tree;

/// <summary>
/// The parent/child index of one trace, built once per trace and read by every extractor: parent index per span,
/// children in CSR form (<see cref="ChildStart"/>/<see cref="Children"/>), the roots, and a breadth-first
/// <see cref="Order"/> in which every parent comes before its children.
/// </summary>
/// <remarks>
/// <para>
/// Invariant after <see cref="Build"/>: the parent links form a forest. Hostile input cannot break it: a span whose
/// parent id is not in the trace is an orphan and becomes a root; spans that are their own parent or sit on a parent
/// cycle become roots too (all members of the cycle, so no member is arbitrarily preferred). Every algorithm here is
/// iterative and linear (or n log n), so a 1,000,000-span chain costs no stack.
/// </para>
/// <para>
/// Zipkin's shared-span model (B3): a client and a server half may carry the same span id. The server half (flagged
/// <see cref="SpanFlags.Shared"/>, or a Server-kind span sharing its id with a Client-kind span, as Zipkin infers) is
/// placed as the child of the client half and is not a duplicate. A span whose parent id names such a pair is attached
/// to the server half when it runs in the server's service, else to the client half, as Zipkin's SpanNode does.
/// Any other reuse of a span id is a duplicate: it keeps its own parent, but children always resolve to the first span.
/// </para>
/// <para>Not thread-safe: one instance per extractor, reused across traces (buffers only grow, and are trimmed
/// after a huge trace by <see cref="Release"/>).</para>
/// </remarks>
internal sealed class TraceTree
{
    /// <summary>Buffers above this many spans are dropped after use, so one huge trace does not pin memory.</summary>
    internal const int RetainedCapacity = 1 << 16;

    private const byte SharedHalfBit = 1;
    private const byte OrphanBit = 2;
    private const byte CycleBit = 4;
    private const byte DuplicateBit = 8;
    // Bookkeeping bits, so that the same-id and shared-half chains need no per-span initialisation: only spans that
    // carry these bits have meaningful _nextSameId/_tailSameId (group members) or _firstSharedHalf entries.
    private const byte GroupHeadBit = 16;
    private const byte HasSharedHalfBit = 32;

    private readonly SpanIdIndex _byId = new();
    private readonly List<int> _groupHeads = new();
    private int[] _parent = [];
    private int[] _childStart = [0];
    private int[] _children = [];
    private int[] _roots = [];
    private int[] _order = [];
    private int[] _duplicateOf = [];
    private int[] _nextSameId = [];
    private int[] _tailSameId = [];
    private int[] _firstSharedHalf = [];
    private int[] _nextSharedHalf = [];
    private int[] _mark = [];
    private byte[] _role = [];
    private long[] _startUs = [];
    private long[] _endUs = [];
    private long[] _startNs = [];
    private long[] _endNs = [];

    /// <summary>Spans in the trace.</summary>
    public int Count { get; private set; }

    /// <summary>Tree parent of each span, or -1 for a root (true root, orphan or cycle member).</summary>
    public ReadOnlySpan<int> Parent => _parent.AsSpan(0, Count);

    /// <summary>Children of span <c>i</c> are <c>Children[ChildStart[i]..ChildStart[i+1]]</c>, in span order.</summary>
    public ReadOnlySpan<int> ChildStart => _childStart.AsSpan(0, Count + 1);

    /// <inheritdoc cref="ChildStart"/>
    public ReadOnlySpan<int> Children => _children.AsSpan(0, Math.Max(0, Count - RootCount));

    /// <summary>Roots in span order.</summary>
    public ReadOnlySpan<int> Roots => _roots.AsSpan(0, RootCount);

    public int RootCount { get; private set; }

    /// <summary>Every span once, breadth-first from the roots: a parent always precedes its children.</summary>
    public ReadOnlySpan<int> Order => _order.AsSpan(0, Count);

    /// <summary>For a duplicate span id, the earlier span it collides with; else -1.</summary>
    public ReadOnlySpan<int> DuplicateOf => _duplicateOf.AsSpan(0, Count);

    /// <summary>Start in microseconds since the epoch (floor of the nanoseconds).</summary>
    public ReadOnlySpan<long> StartUs => _startUs.AsSpan(0, Count);

    /// <summary>End in microseconds since the epoch (floor of the nanoseconds; never before the start).</summary>
    public ReadOnlySpan<long> EndUs => _endUs.AsSpan(0, Count);

    /// <summary>Start in nanoseconds.</summary>
    public ReadOnlySpan<long> StartNs => _startNs.AsSpan(0, Count);

    /// <summary>End in nanoseconds, saturating instead of overflowing; a negative duration counts as zero.</summary>
    public ReadOnlySpan<long> EndNs => _endNs.AsSpan(0, Count);

    /// <summary>Spans whose parent id is not in the trace.</summary>
    public int OrphanCount { get; private set; }

    /// <summary>Spans that are their own parent or on a parent cycle.</summary>
    public int CycleCount { get; private set; }

    /// <summary>Spans whose id was already used by another span (shared client/server halves excepted).</summary>
    public int DuplicateCount { get; private set; }

    /// <summary>Zipkin server halves placed under their client half (flagged or inferred).</summary>
    public int SharedHalfCount { get; private set; }

    /// <summary>True when at least one span has a kind other than <see cref="SpanKind.Unspecified"/>.</summary>
    public bool AnyKind { get; private set; }

    /// <summary>True when at least one span carries <see cref="SpanFlags.Shared"/> (whether or not it pairs with a client).</summary>
    public bool AnyFlaggedShared { get; private set; }

    /// <summary>The source-format flags of the spans (<see cref="SpanFlags.SourceMask"/>), OR-ed: which format(s) the trace came in.</summary>
    public SpanFlags SourceFlags { get; private set; }

    /// <summary>The earliest-starting span without a parent id (ties: first in the trace), or -1 when none.</summary>
    public int PrimaryRoot { get; private set; }

    /// <summary><see cref="PrimaryRoot"/>, or else the earliest-starting orphan/cycle root; -1 only for an empty trace.</summary>
    public int MainRoot { get; private set; }

    /// <summary>Earliest start of any span, in microseconds (0 for an empty trace).</summary>
    public long TraceStartUs { get; private set; }

    /// <summary>Latest end of any span, in microseconds (0 for an empty trace).</summary>
    public long TraceEndUs { get; private set; }

    /// <summary>Slots of the span id table (for tests of the memory bound).</summary>
    internal int IdIndexCapacity => _byId.Capacity;

    public bool IsSharedHalf(int i) => (_role[i] & SharedHalfBit) != 0;
    public bool IsOrphan(int i) => (_role[i] & OrphanBit) != 0;
    public bool IsInCycle(int i) => (_role[i] & CycleBit) != 0;
    public bool IsDuplicate(int i) => (_role[i] & DuplicateBit) != 0;

    public int ChildCount(int i) => _childStart[i + 1] - _childStart[i];

    public ReadOnlySpan<int> ChildrenOf(int i) => _children.AsSpan(_childStart[i], _childStart[i + 1] - _childStart[i]);

    /// <summary>Indexes <paramref name="spans"/>; replaces whatever the previous call built.</summary>
    public void Build(ReadOnlySpan<Span> spans)
    {
        int n = spans.Length;
        EnsureCapacity(n);
        Count = n;
        OrphanCount = CycleCount = DuplicateCount = SharedHalfCount = 0;
        AnyKind = AnyFlaggedShared = false;
        SourceFlags = SpanFlags.None;
        PrimaryRoot = MainRoot = -1;
        TraceStartUs = TraceEndUs = 0;
        _byId.Clear(n);
        _groupHeads.Clear();
        if (n == 0)
        {
            RootCount = 0;
            _childStart[0] = 0;
            return;
        }

        IndexTimesAndIds(spans);
        ResolveSameIdGroups(spans);
        ResolveParents(spans);
        BuildChildren();
        if (BuildOrder() < n)
        {
            // Spans the breadth-first walk never reached hang off a parent cycle (rare: hostile input). Cut the
            // cycles and index again; the common acyclic trace skips the cycle search altogether.
            Array.Clear(_mark, 0, n); // BuildChildren used it as a cursor
            BreakCycles();
            BuildChildren();
            BuildOrder();
        }
        FindRoots(spans);
    }

    /// <summary>Drops buffers grown by a huge trace; call when the tree is no longer read.</summary>
    public void Release()
    {
        if (_parent.Length <= RetainedCapacity) return;
        _byId.Release();
        _groupHeads.Clear();
        _groupHeads.TrimExcess();
        _parent = _children = _roots = _order = _duplicateOf = _nextSameId = _tailSameId = [];
        _firstSharedHalf = _nextSharedHalf = _mark = [];
        _childStart = [0];
        _role = [];
        _startUs = _endUs = _startNs = _endNs = [];
        Count = RootCount = 0;
    }

    private void EnsureCapacity(int n)
    {
        if (_parent.Length >= n && _childStart.Length >= n + 1) return;
        int size = Math.Max(n, 16);
        _parent = new int[size];
        _childStart = new int[size + 1];
        _children = new int[size];
        _roots = new int[size];
        _order = new int[size];
        _duplicateOf = new int[size];
        _nextSameId = new int[size];
        _tailSameId = new int[size];
        _firstSharedHalf = new int[size];
        _nextSharedHalf = new int[size];
        _mark = new int[size];
        _role = new byte[size];
        _startUs = new long[size];
        _endUs = new long[size];
        _startNs = new long[size];
        _endNs = new long[size];
    }

    private void IndexTimesAndIds(ReadOnlySpan<Span> spans)
    {
        int n = spans.Length;
        Array.Fill(_parent, -1, 0, n);
        Array.Fill(_duplicateOf, -1, 0, n);
        Array.Clear(_mark, 0, n);
        Array.Clear(_role, 0, n);
        long minStart = long.MaxValue, maxEnd = long.MinValue;
        bool anyKind = false;
        SpanFlags allFlags = SpanFlags.None;
        for (int i = 0; i < spans.Length; i++)
        {
            ref readonly Span s = ref spans[i];
            long start = s.StartUnixNanos;
            long duration = Math.Max(0, s.DurationNanos);
            long end = start + duration;
            if (end < start) end = long.MaxValue; // saturate: hostile times must not wrap around
            _startNs[i] = start;
            _endNs[i] = end;
            long startUs = FloorDiv1000(start), endUs = FloorDiv1000(end);
            _startUs[i] = startUs;
            _endUs[i] = endUs;
            if (startUs < minStart) minStart = startUs;
            if (endUs > maxEnd) maxEnd = endUs;
            anyKind |= s.Kind != SpanKind.Unspecified;
            allFlags |= s.Flags;

            int head = _byId.AddOrGet(s.SpanId.Value, i);
            if (head >= 0)
            {
                // Same id seen before: chain it to the group; the group is classified once all spans are known,
                // because whether a half is "shared" depends on the other halves' kinds, not on arrival order.
                if ((_role[head] & GroupHeadBit) == 0)
                {
                    _role[head] |= GroupHeadBit;
                    _groupHeads.Add(head);
                    _nextSameId[head] = -1;
                    _tailSameId[head] = head;
                }
                _nextSameId[_tailSameId[head]] = i;
                _nextSameId[i] = -1;
                _tailSameId[head] = i;
            }
        }
        TraceStartUs = minStart;
        TraceEndUs = maxEnd;
        AnyKind = anyKind;
        AnyFlaggedShared = (allFlags & SpanFlags.Shared) != 0;
        SourceFlags = allFlags & SpanFlags.SourceMask;
    }

    private void ResolveSameIdGroups(ReadOnlySpan<Span> spans)
    {
        foreach (int head in _groupHeads)
        {
            bool hasClient = false;
            for (int m = head; m >= 0; m = _nextSameId[m])
            {
                if (spans[m].Kind == SpanKind.Client && (spans[m].Flags & SpanFlags.Shared) == 0) hasClient = true;
            }

            int primary = -1;
            for (int m = head; m >= 0; m = _nextSameId[m])
            {
                if (!IsSharedCandidate(spans[m], hasClient))
                {
                    primary = m;
                    break;
                }
            }
            bool pairable = primary >= 0;
            if (primary < 0) primary = head; // only server halves: the first one stands for the id

            int lastShared = -1;
            for (int m = head; m >= 0; m = _nextSameId[m])
            {
                if (m == primary) continue;
                if (pairable && IsSharedCandidate(spans[m], hasClient))
                {
                    int twin = FindSharedHalf(spans, primary, spans[m].Service);
                    if (twin >= 0)
                    {
                        MarkDuplicate(m, twin);
                        continue;
                    }
                    _role[m] |= SharedHalfBit;
                    _parent[m] = primary;
                    SharedHalfCount++;
                    _nextSharedHalf[m] = -1;
                    if (lastShared < 0)
                    {
                        _firstSharedHalf[primary] = m;
                        _role[primary] |= HasSharedHalfBit;
                    }
                    else
                    {
                        _nextSharedHalf[lastShared] = m;
                    }
                    lastShared = m;
                }
                else
                {
                    MarkDuplicate(m, primary);
                }
            }
            _byId.Set(spans[head].SpanId.Value, primary);
        }
    }

    private static bool IsSharedCandidate(in Span s, bool groupHasClient) =>
        (s.Flags & SpanFlags.Shared) != 0 || (s.Kind == SpanKind.Server && groupHasClient);

    private int FindSharedHalf(ReadOnlySpan<Span> spans, int primary, int service)
    {
        if ((_role[primary] & HasSharedHalfBit) == 0) return -1;
        for (int h = _firstSharedHalf[primary]; h >= 0; h = _nextSharedHalf[h])
        {
            if (spans[h].Service == service) return h;
        }
        return -1;
    }

    private void MarkDuplicate(int span, int of)
    {
        _role[span] |= DuplicateBit;
        _duplicateOf[span] = of;
        DuplicateCount++;
    }

    private void ResolveParents(ReadOnlySpan<Span> spans)
    {
        for (int i = 0; i < spans.Length; i++)
        {
            if ((_role[i] & SharedHalfBit) != 0) continue; // already placed under its client half
            SpanId parentId = spans[i].ParentSpanId;
            if (parentId.IsEmpty) continue;
            int p = _byId.Find(parentId.Value);
            if (p < 0)
            {
                _role[i] |= OrphanBit;
                OrphanCount++;
                continue;
            }
            if ((_role[p] & HasSharedHalfBit) != 0)
            {
                int half = FindSharedHalf(spans, p, spans[i].Service);
                if (half >= 0) p = half;
            }
            _parent[i] = p;
        }
    }

    /// <summary>
    /// Marks every span on a parent cycle, then cuts all of them loose as roots. Each span is walked at most once
    /// (a walk stops at the first span an earlier walk stamped), so this is linear even for a 1,000,000-span chain.
    /// </summary>
    private void BreakCycles()
    {
        int n = Count;
        for (int i = 0; i < n; i++)
        {
            if (_mark[i] != 0) continue;
            int stamp = i + 1;
            int j = i;
            while (j >= 0 && _mark[j] == 0)
            {
                _mark[j] = stamp;
                j = _parent[j];
            }
            if (j >= 0 && _mark[j] == stamp)
            {
                // j is on a cycle that this walk closed; every member is reachable from j.
                int k = j;
                do
                {
                    _role[k] |= CycleBit;
                    CycleCount++;
                    k = _parent[k];
                } while (k != j);
            }
        }
        if (CycleCount == 0) return;
        for (int i = 0; i < n; i++)
        {
            if ((_role[i] & CycleBit) != 0) _parent[i] = -1;
        }
    }

    private void BuildChildren()
    {
        int n = Count;
        Array.Clear(_childStart, 0, n + 1);
        int roots = 0;
        for (int i = 0; i < n; i++)
        {
            int p = _parent[i];
            if (p < 0) _roots[roots++] = i;
            else _childStart[p + 1]++;
        }
        RootCount = roots;
        for (int i = 0; i < n; i++) _childStart[i + 1] += _childStart[i];
        // _mark is free now: reuse it as the fill cursor per parent.
        Array.Copy(_childStart, _mark, n);
        for (int i = 0; i < n; i++)
        {
            int p = _parent[i];
            if (p >= 0) _children[_mark[p]++] = i;
        }
    }

    /// <summary>Fills <see cref="Order"/> from the roots; returns how many spans it reached (all of them unless a
    /// parent cycle is still in place).</summary>
    private int BuildOrder()
    {
        int tail = 0;
        for (int r = 0; r < RootCount; r++) _order[tail++] = _roots[r];
        for (int head = 0; head < tail; head++)
        {
            int node = _order[head];
            for (int c = _childStart[node]; c < _childStart[node + 1]; c++) _order[tail++] = _children[c];
        }
        Debug.Assert(CycleCount == 0 || tail == Count, "after cycle breaking the parent links must form a forest");
        return tail;
    }

    private void FindRoots(ReadOnlySpan<Span> spans)
    {
        int primary = -1, any = -1;
        for (int r = 0; r < RootCount; r++)
        {
            int i = _roots[r];
            if (any < 0 || _startNs[i] < _startNs[any]) any = i;
            if (spans[i].ParentSpanId.IsEmpty && (primary < 0 || _startNs[i] < _startNs[primary])) primary = i;
        }
        PrimaryRoot = primary;
        MainRoot = primary >= 0 ? primary : any;
    }

    internal static long FloorDiv1000(long nanos)
    {
        long q = nanos / 1000;
        return (nanos % 1000 < 0) ? q - 1 : q;
    }
}
