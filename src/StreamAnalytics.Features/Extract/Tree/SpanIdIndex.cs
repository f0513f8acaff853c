using System.Runtime.CompilerServices;

namespace StreamAnalytics.Features.Extract.Tree;

/// <summary>
/// Span id → span index of one trace: an open-addressing table (power-of-two size, linear probing) that
/// <see cref="TraceTree"/> rebuilds for every trace. Replaces a <c>Dictionary&lt;ulong, int&gt;</c>, whose per-entry
/// bookkeeping (bucket, next link, hash code) cost more than the rest of the tree build.
/// </summary>
/// <remarks>
/// <para>
/// Every id is a valid key, zero included: occupancy is kept in <c>_slots</c> (index + 1, 0 = free), not in the key.
/// Load factor at most 1/2, so probe runs stay short. Ids are mixed before use (Fibonacci hashing of the id folded on
/// itself), so sequential ids and ids that differ only in their high half spread over the table.
/// </para>
/// <para>Entries are never removed; <see cref="Clear"/> frees every slot at the cost of one memset of the table.
/// Not thread-safe.</para>
/// </remarks>
internal sealed class SpanIdIndex
{
    private ulong[] _keys = [];
    private int[] _slots = []; // span index + 1; 0 marks a free slot
    private int _mask = -1;
    private int _shift;

    /// <summary>Table slots currently allocated (a power of two, or 0).</summary>
    public int Capacity => _slots.Length;

    /// <summary>Empties the table and makes room for <paramref name="count"/> ids.</summary>
    public void Clear(int count)
    {
        int size = 16;
        while (size < count * 2) size <<= 1;
        if (size > _slots.Length)
        {
            _keys = new ulong[size];
            _slots = new int[size];
        }
        else
        {
            // Reuse the table but only as much of it as this trace needs: a short trace after a longer one clears less.
            Array.Clear(_slots, 0, size);
        }
        _mask = size - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)size);
    }

    /// <summary>Drops the table (after a huge trace, so it does not pin memory).</summary>
    public void Release()
    {
        _keys = [];
        _slots = [];
        _mask = -1;
    }

    /// <summary>Adds <paramref name="id"/> → <paramref name="index"/> and returns -1, or returns the index already stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int AddOrGet(ulong id, int index)
    {
        int[] slots = _slots;
        ulong[] keys = _keys;
        int s = Home(id);
        while (true)
        {
            int slot = slots[s];
            if (slot == 0)
            {
                keys[s] = id;
                slots[s] = index + 1;
                return -1;
            }
            if (keys[s] == id) return slot - 1;
            s = (s + 1) & _mask;
        }
    }

    /// <summary>Stores <paramref name="index"/> for <paramref name="id"/>, replacing any earlier index.</summary>
    public void Set(ulong id, int index)
    {
        int s = Home(id);
        while (_slots[s] != 0 && _keys[s] != id) s = (s + 1) & _mask;
        _keys[s] = id;
        _slots[s] = index + 1;
    }

    /// <summary>The index stored for <paramref name="id"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong id)
    {
        int[] slots = _slots;
        ulong[] keys = _keys;
        int s = Home(id);
        while (true)
        {
            int slot = slots[s];
            if (slot == 0) return -1;
            if (keys[s] == id) return slot - 1;
            s = (s + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(ulong id) => (int)(((id ^ (id >> 32)) * 0x9E3779B97F4A7C15UL) >> _shift);
}
