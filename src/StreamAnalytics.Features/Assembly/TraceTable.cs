using System.Runtime.CompilerServices;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// The per-trace entries (chunked, addressed by handle) and an open-addressing index from trace id to handle.
/// </summary>
/// <remarks>
/// The index is an int[] of handle+1 (0 = empty) with linear probing and backward-shift deletion (no tombstones, so
/// probe lengths do not degrade after churn), kept at most half full. It costs 8–16 bytes per trace, against ~36–72
/// for a Dictionary&lt;TraceId,int&gt; entry, and compares keys against the entry itself. Not thread-safe.
/// </remarks>
internal sealed class TraceTable
{
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private TraceEntry[][] _chunks = new TraceEntry[4][];
    private int _chunkCount;
    private int _freeHead = -1; // free entries are chained through Next[0]
    private int _count;
    private int[] _index = new int[1024];
    private int _indexMask = 1023;

    /// <summary>Entries in use (open or retained).</summary>
    public int Count => _count;

    public ref TraceEntry this[int handle] => ref _chunks[handle >> ChunkShift][handle & ChunkMask];

    /// <summary>The handle of <paramref name="traceId"/>'s entry, or -1.</summary>
    public int Find(TraceId traceId)
    {
        int i = (int)Hash(traceId) & _indexMask;
        while (true)
        {
            int h = _index[i] - 1;
            if (h < 0) return -1;
            if (this[h].TraceId == traceId) return h;
            i = (i + 1) & _indexMask;
        }
    }

    /// <summary>Allocates a cleared entry for <paramref name="traceId"/> (which must not be present) and indexes it.</summary>
    public int Add(TraceId traceId)
    {
        if ((_count + 1) * 2 > _index.Length) GrowIndex();
        if (_freeHead < 0) AddChunk();
        int h = _freeHead;
        ref TraceEntry e = ref this[h];
        _freeHead = e.Next[0];
        e = default;
        e.TraceId = traceId;
        e.Head = -1;
        e.Tail = -1;
        e.Unlogged = -1;
        for (int l = 0; l < 3; l++)
        {
            e.Prev[l] = -1;
            e.Next[l] = -1;
        }
        Insert(h, traceId);
        _count++;
        return h;
    }

    /// <summary>Unindexes and frees an entry. The caller has already unlinked it from every list and freed its spans.</summary>
    public void Remove(int handle)
    {
        ref TraceEntry e = ref this[handle];
        int i = (int)Hash(e.TraceId) & _indexMask;
        while (_index[i] - 1 != handle) i = (i + 1) & _indexMask;

        // Backward-shift deletion: move later members of the probe run into the hole when their home allows it.
        int hole = i;
        int j = i;
        while (true)
        {
            j = (j + 1) & _indexMask;
            int other = _index[j] - 1;
            if (other < 0) break;
            int home = (int)Hash(this[other].TraceId) & _indexMask;
            // Move if home is not cyclically in (hole, j].
            bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!stays)
            {
                _index[hole] = _index[j];
                hole = j;
            }
        }
        _index[hole] = 0;

        e.State = EntryState.Free;
        e.Next[0] = _freeHead;
        _freeHead = handle;
        _count--;
    }

    private void Insert(int handle, TraceId traceId)
    {
        int i = (int)Hash(traceId) & _indexMask;
        while (_index[i] != 0) i = (i + 1) & _indexMask;
        _index[i] = handle + 1;
    }

    private void GrowIndex()
    {
        int[] old = _index;
        _index = new int[old.Length * 2];
        _indexMask = _index.Length - 1;
        foreach (int slot in old)
        {
            if (slot != 0) Insert(slot - 1, this[slot - 1].TraceId);
        }
    }

    private void AddChunk()
    {
        if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, _chunkCount * 2);
        var chunk = new TraceEntry[ChunkSize];
        int baseHandle = _chunkCount << ChunkShift;
        for (int i = 0; i < ChunkSize; i++) chunk[i].Next[0] = i == ChunkSize - 1 ? _freeHead : baseHandle + i + 1;
        _chunks[_chunkCount++] = chunk;
        _freeHead = baseHandle;
    }

    /// <summary>Trace ids are random in practice, but 64-bit ids have a zero high half and some generators are sequential: mix both halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(TraceId id)
    {
        ulong h = id.Low ^ (id.High * 0x9E3779B97F4A7C15UL);
        h ^= h >> 32;
        h *= 0xD6E8FEB86659FD93UL;
        h ^= h >> 32;
        return (uint)h;
    }
}
