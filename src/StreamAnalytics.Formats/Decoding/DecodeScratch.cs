using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Decoding;

/// <summary>
/// Per-thread working memory of the decoders: a small cache in front of <see cref="StringTable"/> and a buffer for
/// unescaped JSON strings. Decoders are shared between threads (see <see cref="ISpanDecoder"/>), so this lives in a
/// thread-static and is rebound when a thread switches to another table.
/// </summary>
/// <remarks>
/// Why a cache: <see cref="StringTable.Intern(ReadOnlySpan{byte})"/> takes a lock and decodes UTF-8 for every call, which
/// is most of the per-span cost of a protobuf decode. Batches repeat a handful of service and operation names, so a
/// direct-mapped cache of the last names seen (bytes → id) turns nearly every intern into a hash and a compare, with no
/// lock. Entries are only ever valid ids of the bound table (ids are stable for the life of a table), and
/// <see cref="StringTable.Overflow"/> is never cached, so the table still counts every overflowed name. Memory is bounded:
/// <see cref="Slots"/> keys of at most <see cref="MaxCachedLength"/> bytes.
/// </remarks>
internal sealed class DecodeScratch
{
    private const int Slots = 512;
    private const int MaxCachedLength = 128;
    private const int ScratchBytes = 16 * 1024;

    [ThreadStatic] private static DecodeScratch? t_current;

    private readonly StringTable _table;
    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly int[] _ids = new int[Slots];
    private readonly byte[] _scratch = new byte[ScratchBytes];
    private int _scratchUsed;

    private DecodeScratch(StringTable table) => _table = table;

    /// <summary>The calling thread's scratch for <paramref name="table"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DecodeScratch For(StringTable table)
    {
        DecodeScratch? current = t_current;
        if (current is null || !ReferenceEquals(current._table, table))
        {
            current = new DecodeScratch(table);
            t_current = current;
        }
        current._scratchUsed = 0;
        return current;
    }

    public StringTable Table => _table;

    /// <summary>Interns UTF-8 (empty → <see cref="StringTable.Unknown"/>); invalid UTF-8 is replaced, never thrown.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return StringTable.Unknown;
        if (utf8.Length > MaxCachedLength) return _table.Intern(utf8);
        int slot = (int)(Hash(utf8) & (Slots - 1));
        byte[]? key = _keys[slot];
        if (key is not null && utf8.SequenceEqual(key)) return _ids[slot];
        return InternAndCache(utf8, slot);
    }

    private int InternAndCache(ReadOnlySpan<byte> utf8, int slot)
    {
        int id = _table.Intern(utf8);
        if (id != StringTable.Overflow)
        {
            // The key array is the one allocation of a cache miss; a hit allocates nothing.
            _keys[slot] = utf8.ToArray();
            _ids[slot] = id;
        }
        return id;
    }

    /// <summary>
    /// Space for one unescaped JSON string, valid until <see cref="ResetStrings"/>. Escaped strings are rare, so when the
    /// scratch is exhausted a fresh array is acceptable.
    /// </summary>
    public Span<byte> RentString(int maxLength)
    {
        if (ScratchBytes - _scratchUsed >= maxLength)
        {
            Span<byte> slot = _scratch.AsSpan(_scratchUsed, maxLength);
            _scratchUsed += maxLength;
            return slot;
        }
        return new byte[maxLength];
    }

    /// <summary>Called between spans: slices handed out before are no longer referenced.</summary>
    public void ResetStrings() => _scratchUsed = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        // Not cryptographic: a collision only costs a cache miss, the compare above keeps results exact.
        ulong h = (ulong)bytes.Length * 0x9E3779B97F4A7C15UL;
        int i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(i, 8))) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 29;
        }
        ulong tail = 0;
        for (int shift = 0; i < bytes.Length; i++, shift += 8) tail |= (ulong)bytes[i] << shift;
        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        return h ^ (h >> 32);
    }
}
