using System.Runtime.CompilerServices;

namespace StreamAnalytics.Features.Internal;

/// <summary>
/// LEB128 unsigned varints (protobuf's base-128 encoding) and zig-zag: the one implementation behind the repartition
/// span codec, the open-trace changelog, and the aggregate sketch and changelog encodings.
/// </summary>
/// <remarks>
/// A reader never reads past its input and accepts exactly what <see cref="Write"/> can produce: it fails on a
/// truncated varint, on one longer than <see cref="MaxLength"/> bytes, and on a tenth byte above 1 (more than 64
/// bits), leaving the position where the varint started.
/// </remarks>
internal static class Varint
{
    /// <summary>Bytes of the longest varint (a 64-bit value).</summary>
    public const int MaxLength = 10;

    /// <summary>Writes <paramref name="value"/> (at most <see cref="MaxLength"/> bytes) and returns the bytes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads a varint at <paramref name="position"/> and moves past it; false (position unchanged) if malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, ref int position, out ulong value)
    {
        value = 0;
        int shift = 0;
        for (int i = position; i < source.Length; i++)
        {
            byte b = source[i];
            if (shift == 63 && b > 1) return false; // the tenth byte may only carry the top bit
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                position = i + 1;
                return true;
            }
            shift += 7;
            if (shift > 63) return false;
        }
        return false;
    }

    /// <summary>As <see cref="TryRead(ReadOnlySpan{byte}, ref int, out ulong)"/>, and also false for a value above <see cref="uint.MaxValue"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, ref int position, out uint value)
    {
        int at = position;
        if (!TryRead(source, ref position, out ulong v) || v > uint.MaxValue)
        {
            position = at;
            value = 0;
            return false;
        }
        value = (uint)v;
        return true;
    }

    /// <summary>Reads a varint for decoders that report bad input by exception.</summary>
    /// <exception cref="FormatException">Truncated, or longer than 10 bytes or 64 bits.</exception>
    public static ulong Read(ReadOnlySpan<byte> source, ref int position)
    {
        if (TryRead(source, ref position, out ulong value)) return value;
        throw new FormatException(IsTruncated(source, position) ? "varint truncated" : "varint longer than 10 bytes or 64 bits");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    // Truncated: the input ends while every byte so far (fewer than MaxLength) says another follows.
    private static bool IsTruncated(ReadOnlySpan<byte> source, int position)
    {
        int end = Math.Min(source.Length, position + MaxLength);
        for (int i = position; i < end; i++)
        {
            if (source[i] < 0x80) return false;
        }
        return end == source.Length && end - position < MaxLength;
    }
}
