using System.Runtime.CompilerServices;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// The spans of emitted traces kept for late spans: an append-only ring in emission order. Each retained trace's spans
/// are one contiguous run, addressed by the position of its first span; the oldest runs are given up by moving the tail.
/// </summary>
/// <remarks>
/// <para>
/// Why not the slab: at the default 64 MiB of late budget, retained chains made the slab's working set cold. Every new
/// open span went into a slot freed by an eviction long ago, and every eviction walked a cold chain (about twice the
/// cost per assembled span). Here a retained trace is copied once, sequentially; evicting is a tail move; the slab only
/// holds open spans.
/// </para>
/// <para>
/// Memory: chunks of <see cref="ChunkSize"/> spans are attached as the head enters them and go to a pool as the tail
/// leaves them; a chunk is allocated only when the pool is empty. So memory follows the peak extent (tail to head), not
/// the budget (an idle store allocates nothing). The store's accounting keeps that extent of live spans within the
/// budget (<c>soft chunks</c>), but runs given up out of order (a reopened trace, an expired record removed before the
/// sweep) leave holes until the tail passes them. When an append would need more than the soft chunks, the store
/// compacts the ring if holes are at least a quarter of the live spans (each moved span then pays for at most four
/// reclaimed ones), else the ring grows past the soft chunks: at most ~1.25 × the budget, and only with holes.
/// </para>
/// <para>
/// Positions are uint and wrap; only differences are used (far below 2^31), so an entry keeps its position in an int.
/// Chunk numbers wrap with them, and the window length (a power of two) divides 2^32 / <see cref="ChunkSize"/>, so a
/// position maps to the same window slot across the wrap. Not thread-safe.
/// </para>
/// </remarks>
internal sealed class RetentionRing
{
    private readonly int _shift;
    private readonly uint _mask;
    private readonly int _softChunks;
    private readonly Stack<ModelSpan[]> _pool = new();
    private ModelSpan[]?[] _window = new ModelSpan[]?[4]; // attached chunks, at (position >> shift) & (length - 1)
    private uint _first; // position of the first attached chunk's first slot; that chunk holds the tail
    private int _attached;
    private uint _head;
    private uint _tail;
    private int _live;

    /// <param name="softCapacitySpans">How many spans the budget can account for: the ring allocates chunks freely up to it.</param>
    /// <param name="start">The first position (tests start just before the uint wrap).</param>
    public RetentionRing(long softCapacitySpans, uint start = 0)
    {
        _head = _tail = start;
        // Big chunks for big budgets (fewer attaches), but at least 8 per budget so a small budget is not overshot much.
        int shift = 12;
        while (shift > 4 && (softCapacitySpans >> shift) < 8) shift--;
        _shift = shift;
        _mask = (1u << shift) - 1;
        _softChunks = (int)Math.Clamp((softCapacitySpans + _mask) >> shift, 1, int.MaxValue);
    }

    /// <summary>Spans per chunk.</summary>
    public int ChunkSize => 1 << _shift;

    /// <summary>Spans of runs not yet released.</summary>
    public int LiveCount => _live;

    /// <summary>Slots from the tail to the head: live spans plus holes.</summary>
    public long Extent => _head - _tail;

    /// <summary>Chunks allocated so far (attached and pooled); they are kept at their peak, like the slab's.</summary>
    public int AllocatedChunks => _attached + _pool.Count;

    /// <summary>How many times the ring was compacted (for tests).</summary>
    public int Compactions { get; private set; }

    /// <summary>The position the next run will get.</summary>
    public int End => (int)_head;

    /// <summary>The span <paramref name="index"/> of the run at <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly ModelSpan At(int position, int index)
    {
        uint p = unchecked((uint)position + (uint)index);
        return ref Chunk(p)[p & _mask];
    }

    /// <summary>True when appending <paramref name="count"/> spans would grow the ring past its soft size while compacting would pay.</summary>
    public bool ShouldCompact(int count)
    {
        long chunks = ChunksSpannedAfter(count);
        if (chunks <= AllocatedChunks || chunks <= _softChunks) return false;
        long holes = Extent - _live;
        return holes > 0 && holes * 4 >= _live;
    }

    /// <summary>Copies <paramref name="spans"/> to the head; returns the run's position.</summary>
    public int Append(ReadOnlySpan<ModelSpan> spans)
    {
        if (_attached == 0) _first = _head & ~_mask;
        long needed = ChunksSpannedAfter(spans.Length);
        while (_attached < needed) Attach();

        uint start = _head;
        uint p = start;
        int i = 0;
        while (i < spans.Length)
        {
            int offset = (int)(p & _mask);
            int n = Math.Min(spans.Length - i, ChunkSize - offset);
            spans.Slice(i, n).CopyTo(Chunk(p).AsSpan(offset, n));
            i += n;
            p = unchecked(p + (uint)n);
        }
        _head = p;
        _live += spans.Length;
        return (int)start;
    }

    /// <summary>
    /// Gives up <paramref name="count"/> live spans (one run, anywhere in the ring); <paramref name="oldestLive"/> is
    /// the position of the oldest run still live, or <see cref="End"/> when none is. Chunks behind it go to the pool.
    /// </summary>
    public void Release(int count, int oldestLive)
    {
        _live -= count;
        _tail = (uint)oldestLive;
        while (_attached > 0 && _tail - _first >= (uint)ChunkSize)
        {
            int slot = WindowSlot(_first);
            _pool.Push(_window[slot]!);
            _window[slot] = null;
            _first = unchecked(_first + (uint)ChunkSize);
            _attached--;
        }
    }

    /// <summary>Compaction: moves a live run toward the tail (<paramref name="to"/> ≤ <paramref name="from"/>, in ring order).</summary>
    public void Move(int from, int to, int count)
    {
        uint s = (uint)from;
        uint d = (uint)to;
        while (count > 0)
        {
            int n = Math.Min(count, Math.Min(ChunkSize - (int)(s & _mask), ChunkSize - (int)(d & _mask)));
            // Overlap is only possible inside one chunk, where CopyTo behaves like memmove.
            Chunk(s).AsSpan((int)(s & _mask), n).CopyTo(Chunk(d).AsSpan((int)(d & _mask), n));
            s = unchecked(s + (uint)n);
            d = unchecked(d + (uint)n);
            count -= n;
        }
    }

    /// <summary>Compaction: the live runs now end at <paramref name="end"/>; the next run goes there.</summary>
    public void TruncateTo(int end)
    {
        _head = (uint)end;
        Compactions++;
    }

    private long ChunksSpannedAfter(int count)
    {
        uint first = _attached == 0 ? _head & ~_mask : _first;
        return ((_head - first) + (long)count + _mask) >> _shift;
    }

    private void Attach()
    {
        if (_attached == _window.Length) GrowWindow();
        ModelSpan[] chunk = _pool.Count > 0 ? _pool.Pop() : GC.AllocateUninitializedArray<ModelSpan>(ChunkSize);
        _window[WindowSlot(unchecked(_first + ((uint)_attached << _shift)))] = chunk;
        _attached++;
    }

    private void GrowWindow()
    {
        var old = _window;
        _window = new ModelSpan[]?[old.Length * 2];
        for (int i = 0; i < _attached; i++)
        {
            uint p = unchecked(_first + ((uint)i << _shift));
            _window[WindowSlot(p)] = old[(int)((p >> _shift) & (uint)(old.Length - 1))];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int WindowSlot(uint position) => (int)((position >> _shift) & (uint)(_window.Length - 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ModelSpan[] Chunk(uint position) => _window[WindowSlot(position)]!;
}
