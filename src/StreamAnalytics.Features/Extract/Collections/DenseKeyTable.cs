using System.Runtime.CompilerServices;

namespace StreamAnalytics.Features.Extract.Collections;

/// <summary>
/// Numbers the distinct 64-bit keys of one trace 0, 1, 2… in order of first appearance: an open-addressing table
/// (power-of-two size, linear probing) for grouping spans by small id tuples (service, operation, …) where a
/// <c>Dictionary</c> cost more per probe than the rest of the work. Extractors then keep their per-group values in
/// plain arrays indexed by the dense number.
/// </summary>
/// <remarks>
/// <para>
/// Grows with the number of distinct keys, not with the trace, so a million spans of ten operations use a small
/// table. <see cref="Clear"/> frees only the slots in use (O(distinct keys)), so reusing a table once grown stays
/// cheap; <see cref="TrimTo"/> drops a table grown by a huge trace. Keys are mixed by Fibonacci hashing of all 64
/// bits, so tuples packed as <c>a &lt;&lt; 32 | b</c> spread well.
/// </para>
/// <para>Not thread-safe.</para>
/// </remarks>
internal sealed class DenseKeyTable
{
    private const int InitialSlots = 16;

    private long[] _slotKeys = new long[InitialSlots];
    private int[] _slots = new int[InitialSlots]; // dense number + 1; 0 marks a free slot
    private long[] _keys = new long[InitialSlots / 2];
    private int[] _slotOf = new int[InitialSlots / 2];
    private int _shift = 64 - 4;

    /// <summary>Distinct keys added since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Table slots currently allocated.</summary>
    public int Capacity => _slots.Length;

    /// <summary>The key numbered <paramref name="index"/>.</summary>
    public long KeyAt(int index) => _keys[index];

    /// <summary>The number of <paramref name="key"/>, assigning the next one when the key is new.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetOrAdd(long key)
    {
        int mask = _slots.Length - 1;
        int s = Home(key);
        while (true)
        {
            int slot = _slots[s];
            if (slot == 0) return Add(key, s);
            if (_slotKeys[s] == key) return slot - 1;
            s = (s + 1) & mask;
        }
    }

    /// <summary>Forgets every key, keeping the table.</summary>
    public void Clear()
    {
        for (int i = 0; i < Count; i++) _slots[_slotOf[i]] = 0;
        Count = 0;
    }

    /// <summary>Clears, and drops the table if it grew beyond <paramref name="maxSlots"/> (after a huge trace).</summary>
    public void TrimTo(int maxSlots)
    {
        Clear();
        if (_slots.Length <= maxSlots) return;
        _slotKeys = new long[InitialSlots];
        _slots = new int[InitialSlots];
        _keys = new long[InitialSlots / 2];
        _slotOf = new int[InitialSlots / 2];
        _shift = 64 - 4;
    }

    private int Add(long key, int slot)
    {
        if (Count == _keys.Length)
        {
            Grow();
            return GetOrAdd(key);
        }
        int index = Count++;
        _slotKeys[slot] = key;
        _slots[slot] = index + 1;
        _keys[index] = key;
        _slotOf[index] = slot;
        return index;
    }

    // Keeps the load factor at most 1/2: the table doubles when the dense arrays (half its size) are full.
    private void Grow()
    {
        int size = _slots.Length * 2;
        _slotKeys = new long[size];
        _slots = new int[size];
        Array.Resize(ref _keys, size / 2);
        Array.Resize(ref _slotOf, size / 2);
        _shift--;
        int mask = size - 1;
        for (int i = 0; i < Count; i++)
        {
            int s = Home(_keys[i]);
            while (_slots[s] != 0) s = (s + 1) & mask;
            _slotKeys[s] = _keys[i];
            _slots[s] = i + 1;
            _slotOf[i] = s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);
}
