using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace StreamAnalytics.Formats.Model;

/// <summary>
/// A 128-bit trace id as two big-endian halves. 64-bit ids (Zipkin, Jaeger) have <see cref="High"/> = 0.
/// </summary>
/// <remarks>All-zero is <see cref="Empty"/>, which every format treats as invalid.</remarks>
public readonly struct TraceId : IEquatable<TraceId>, IComparable<TraceId>
{
    public readonly ulong High;
    public readonly ulong Low;

    public TraceId(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    public static readonly TraceId Empty;

    public bool IsEmpty => High == 0 && Low == 0;

    /// <summary>Reads 16 bytes (128-bit) or 8 bytes (64-bit, high half zero). Other lengths fail.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out TraceId id)
    {
        if (bytes.Length == 16)
        {
            id = new TraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
            return true;
        }
        if (bytes.Length == 8)
        {
            id = new TraceId(0, BinaryPrimitives.ReadUInt64BigEndian(bytes));
            return true;
        }
        id = default;
        return false;
    }

    /// <summary>Parses 32 or 16 hex characters (either case); 1–32 characters are accepted and left-padded, as Zipkin allows.</summary>
    public static bool TryParseHex(ReadOnlySpan<char> hex, out TraceId id)
    {
        id = default;
        if (hex.Length == 0 || hex.Length > 32) return false;
        int lowLen = Math.Min(16, hex.Length);
        if (!Hex.TryParseUInt64(hex[^lowLen..], out ulong low)) return false;
        ulong high = 0;
        if (hex.Length > 16 && !Hex.TryParseUInt64(hex[..^16], out high)) return false;
        id = new TraceId(high, low);
        return true;
    }

    /// <inheritdoc cref="TryParseHex(ReadOnlySpan{char}, out TraceId)"/>
    public static bool TryParseHex(ReadOnlySpan<byte> utf8Hex, out TraceId id)
    {
        id = default;
        if (utf8Hex.Length == 0 || utf8Hex.Length > 32) return false;
        int lowLen = Math.Min(16, utf8Hex.Length);
        if (!Hex.TryParseUInt64(utf8Hex[^lowLen..], out ulong low)) return false;
        ulong high = 0;
        if (utf8Hex.Length > 16 && !Hex.TryParseUInt64(utf8Hex[..^16], out high)) return false;
        id = new TraceId(high, low);
        return true;
    }

    public void WriteBytes(Span<byte> destination16)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination16, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination16[8..], Low);
    }

    /// <summary>32 lowercase hex characters.</summary>
    public override string ToString() => string.Create(32, this, static (chars, id) => id.FormatHex(chars));

    /// <summary>Writes the 32 lowercase hex characters of <see cref="ToString"/> without allocating.</summary>
    public void FormatHex(Span<char> destination32)
    {
        Hex.Write(High, destination32);
        Hex.Write(Low, destination32[16..]);
    }

    public bool Equals(TraceId other) => High == other.High && Low == other.Low;
    public override bool Equals(object? obj) => obj is TraceId other && Equals(other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode() => (int)(Low ^ (Low >> 32) ^ High ^ (High >> 32));

    public int CompareTo(TraceId other) => High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);
    public static bool operator ==(TraceId a, TraceId b) => a.Equals(b);
    public static bool operator !=(TraceId a, TraceId b) => !a.Equals(b);
}
