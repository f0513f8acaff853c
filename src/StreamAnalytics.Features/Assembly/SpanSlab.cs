using System.Runtime.CompilerServices;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// Chunked storage of open spans: a slot holds one 64-byte <see cref="ModelSpan"/> and the index of the next slot of
/// the same trace, so a trace is a singly linked chain in arrival order and no span is an object of its own.
/// </summary>
/// <remarks>
/// Chunks of <see cref="ChunkSize"/> slots are added as needed and never copied (growing never needs twice the
/// memory, unlike doubling one array), and freed slots go on a free list for reuse. Capacity stays at its peak, which
/// the store's byte budget bounds. Not thread-safe.
/// </remarks>
internal sealed class SpanSlab
{
    public const int ChunkShift = 12;
    public const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private ModelSpan[][] _spans = new ModelSpan[4][];
    private int[][] _next = new int[4][];
    private int _chunks;
    private int _freeHead = -1;
    private int _used;

    /// <summary>Slots in use.</summary>
    public int Used => _used;

    /// <summary>Slots allocated (used plus free).</summary>
    public int Capacity => _chunks << ChunkShift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ModelSpan Span(int slot) => ref _spans[slot >> ChunkShift][slot & ChunkMask];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref int Next(int slot) => ref _next[slot >> ChunkShift][slot & ChunkMask];

    /// <summary>A free slot holding <paramref name="span"/>, with no successor.</summary>
    public int Allocate(in ModelSpan span)
    {
        if (_freeHead < 0) AddChunk();
        int slot = _freeHead;
        ref int next = ref Next(slot);
        _freeHead = next;
        next = -1;
        Span(slot) = span;
        _used++;
        return slot;
    }

    /// <summary>
    /// Copies the spans of the chain from <paramref name="head"/> (none when -1) into <paramref name="buffer"/>, in
    /// chain order, growing it when needed; returns how many.
    /// </summary>
    public int Gather(int head, ref ModelSpan[] buffer)
    {
        int n = 0;
        for (int slot = head; slot >= 0; slot = Next(slot))
        {
            if (n == buffer.Length) Array.Resize(ref buffer, Math.Max(16, n * 2));
            buffer[n++] = Span(slot);
        }
        return n;
    }

    /// <summary>Returns the chain starting at <paramref name="head"/> to the free list; returns how many slots it held.</summary>
    public int FreeChain(int head)
    {
        int n = 0;
        int slot = head;
        while (slot >= 0)
        {
            ref int next = ref Next(slot);
            int following = next;
            next = _freeHead;
            _freeHead = slot;
            slot = following;
            n++;
        }
        _used -= n;
        return n;
    }

    /// <summary>Returns one slot (already unlinked from its chain) to the free list.</summary>
    public void Free(int slot)
    {
        Next(slot) = _freeHead;
        _freeHead = slot;
        _used--;
    }

    private void AddChunk()
    {
        if (_chunks == _spans.Length)
        {
            Array.Resize(ref _spans, _chunks * 2);
            Array.Resize(ref _next, _chunks * 2);
        }
        var next = new int[ChunkSize];
        int baseSlot = _chunks << ChunkShift;
        for (int i = 0; i < ChunkSize - 1; i++) next[i] = baseSlot + i + 1;
        next[ChunkSize - 1] = _freeHead;
        _spans[_chunks] = new ModelSpan[ChunkSize];
        _next[_chunks] = next;
        _freeHead = baseSlot;
        _chunks++;
    }
}
