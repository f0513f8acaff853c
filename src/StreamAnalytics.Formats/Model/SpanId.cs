using System.Buffers.Binary;

namespace StreamAnalytics.Formats.Model;

/// <summary>A 64-bit span id. All-zero is <see cref="Empty"/>: "no span" (e.g. no parent).</summary>
public readonly struct SpanId : IEquatable<SpanId>, IComparable<SpanId>
{
    public readonly ulong Value;

    public SpanId(ulong value) => Value = value;

    public static readonly SpanId Empty;

    public bool IsEmpty => Value == 0;

    /// <summary>Reads exactly 8 big-endian bytes.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out SpanId id)
    {
        if (bytes.Length != 8)
        {
            id = default;
            return false;
        }
        id = new SpanId(BinaryPrimitives.ReadUInt64BigEndian(bytes));
        return true;
    }

    /// <summary>Parses 1–16 hex characters (left-padded).</summary>
    public static bool TryParseHex(ReadOnlySpan<char> hex, out SpanId id)
    {
        bool ok = hex.Length is > 0 and <= 16 & Hex.TryParseUInt64(hex, out ulong v);
        id = ok ? new SpanId(v) : default;
        return ok;
    }

    /// <inheritdoc cref="TryParseHex(ReadOnlySpan{char}, out SpanId)"/>
    public static bool TryParseHex(ReadOnlySpan<byte> utf8Hex, out SpanId id)
    {
        bool ok = utf8Hex.Length is > 0 and <= 16 & Hex.TryParseUInt64(utf8Hex, out ulong v);
        id = ok ? new SpanId(v) : default;
        return ok;
    }

    /// <summary>16 lowercase hex characters.</summary>
    public override string ToString() => string.Create(16, Value, static (chars, v) => Hex.Write(v, chars));

    /// <summary>Writes the 16 lowercase hex characters of <see cref="ToString"/> without allocating.</summary>
    public void FormatHex(Span<char> destination16) => Hex.Write(Value, destination16);

    public bool Equals(SpanId other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is SpanId other && Equals(other);
    public override int GetHashCode() => Value.GetHashCode();
    public int CompareTo(SpanId other) => Value.CompareTo(other.Value);
    public static bool operator ==(SpanId a, SpanId b) => a.Value == b.Value;
    public static bool operator !=(SpanId a, SpanId b) => a.Value != b.Value;
}
