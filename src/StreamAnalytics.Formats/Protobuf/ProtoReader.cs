using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace StreamAnalytics.Formats.Protobuf;

/// <summary>Protobuf wire types (the low three bits of a tag).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// Reads the protobuf wire format in place over a <see cref="ReadOnlySpan{T}"/>, in the manner of Google.Protobuf's
/// <c>ParseContext</c>, but without exceptions: every read returns false on bad input and leaves a reason and the absolute
/// byte offset in <see cref="ErrorReason"/>/<see cref="ErrorOffset"/>, because decoders must never throw and a flood of bad
/// messages must not cost an exception each.
/// </summary>
/// <remarks>
/// A mutable ref struct: pass it by <c>ref</c>, never by value, or the position is lost. A nested message is read by a new
/// reader over the sub-slice (<see cref="TryReadMessage"/>), which carries its absolute origin so that error offsets
/// stay relative to the Kafka message value.
/// </remarks>
internal ref struct ProtoReader
{
    /// <summary>Deepest nesting of groups <see cref="TrySkip"/> follows (groups are obsolete; real data has none).</summary>
    public const int MaxGroupDepth = 64;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _origin;
    private int _pos;

    public ProtoReader(ReadOnlySpan<byte> buffer, int origin = 0)
    {
        _buffer = buffer;
        _origin = origin;
        _pos = 0;
        ErrorReason = null;
        ErrorOffset = -1;
    }

    /// <summary>Set when a read returned false: what was wrong (a constant string, no allocation).</summary>
    public string? ErrorReason;

    /// <summary>Absolute offset (from the start of the outermost message) of the failed read.</summary>
    public int ErrorOffset;

    /// <summary>Absolute offset of the next byte to read.</summary>
    public readonly int Position => _origin + _pos;

    public readonly bool IsAtEnd => _pos >= _buffer.Length;

    /// <summary>Reads the next tag; false at the end of the buffer (with <see cref="ErrorReason"/> null) or on a bad tag.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadTag(out int fieldNumber, out WireType wireType)
    {
        // Optimise for the overwhelmingly common one-byte tag (field numbers 1..15).
        if (_pos < _buffer.Length)
        {
            uint b = _buffer[_pos];
            if (b < 0x80 && b >= 8)
            {
                _pos++;
                fieldNumber = (int)(b >> 3);
                wireType = (WireType)(b & 7);
                if ((b & 7) <= 5) return true;
                return FailAt(_pos - 1, "invalid wire type");
            }
        }
        return TryReadTagSlow(out fieldNumber, out wireType);
    }

    private bool TryReadTagSlow(out int fieldNumber, out WireType wireType)
    {
        fieldNumber = 0;
        wireType = 0;
        if (_pos >= _buffer.Length) return false;
        int start = _pos;
        if (!TryReadVarint64(out ulong tag)) return false;
        if (tag > uint.MaxValue) return FailAt(start, "tag does not fit in 32 bits");
        fieldNumber = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        if (fieldNumber == 0) return FailAt(start, "field number 0 is invalid");
        if ((int)wireType > 5) return FailAt(start, "invalid wire type");
        return true;
    }

    /// <summary>Reads a base-128 varint of up to 10 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadVarint64(out ulong value)
    {
        if (_pos < _buffer.Length && _buffer[_pos] < 0x80)
        {
            value = _buffer[_pos++];
            return true;
        }
        return TryReadVarint64Multi(out value);
    }

    private bool TryReadVarint64Multi(out ulong value)
    {
        // Fast path: with 10 bytes left no read can run off the end, so the loop needs no bounds test of its own.
        if (_buffer.Length - _pos >= 10)
        {
            ref byte p = ref Unsafe.AsRef(in _buffer[_pos]);
            ulong result = 0;
            for (int i = 0, shift = 0; i < 10; i++, shift += 7)
            {
                ulong b = Unsafe.Add(ref p, i);
                result |= (b & 0x7F) << shift;
                if (b < 0x80)
                {
                    _pos += i + 1;
                    value = result;
                    return true;
                }
            }
            value = 0;
            return FailAt(_pos, "malformed varint (more than 10 bytes)");
        }
        return TryReadVarint64SlowPath(out value);
    }

    private bool TryReadVarint64SlowPath(out ulong value)
    {
        int start = _pos;
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= _buffer.Length)
            {
                value = 0;
                return FailAt(start, "truncated varint");
            }
            ulong b = _buffer[_pos++];
            result |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                value = result;
                return true;
            }
        }
        value = 0;
        return FailAt(start, "malformed varint (more than 10 bytes)");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadFixed64(out ulong value)
    {
        if (_buffer.Length - _pos >= 8)
        {
            value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.Slice(_pos, 8));
            _pos += 8;
            return true;
        }
        value = 0;
        return FailAt(_pos, "truncated fixed64");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadFixed32(out uint value)
    {
        if (_buffer.Length - _pos >= 4)
        {
            value = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.Slice(_pos, 4));
            _pos += 4;
            return true;
        }
        value = 0;
        return FailAt(_pos, "truncated fixed32");
    }

    /// <summary>Reads a length prefix and returns the bytes it covers (bytes, string or embedded message).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadLengthDelimited(out ReadOnlySpan<byte> value)
    {
        int start = _pos;
        if (!TryReadVarint64(out ulong length))
        {
            value = default;
            return false;
        }
        if (length > (ulong)(_buffer.Length - _pos))
        {
            value = default;
            return FailAt(start, "length-delimited field runs past the end of its message (truncated?)");
        }
        value = _buffer.Slice(_pos, (int)length);
        _pos += (int)length;
        return true;
    }

    /// <summary>Reads an embedded message and returns a reader over it whose offsets stay absolute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadMessage(out ProtoReader nested)
    {
        if (!TryReadLengthDelimited(out ReadOnlySpan<byte> body))
        {
            nested = default;
            return false;
        }
        nested = new ProtoReader(body, Position - body.Length);
        return true;
    }

    /// <summary>
    /// Skips the value of a field of any wire type. A group is skipped iteratively up to its matching end tag, so
    /// hostile nesting costs at most <see cref="MaxGroupDepth"/> ints of stack, never recursion.
    /// </summary>
    public bool TrySkip(int fieldNumber, WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                return TryReadVarint64(out _);
            case WireType.Fixed64:
                return TryReadFixed64(out _);
            case WireType.Fixed32:
                return TryReadFixed32(out _);
            case WireType.LengthDelimited:
                return TryReadLengthDelimited(out _);
            case WireType.StartGroup:
                return TrySkipGroup(fieldNumber);
            case WireType.EndGroup:
                return FailAt(_pos, "end-group tag without a matching start-group");
            default:
                return FailAt(_pos, "invalid wire type");
        }
    }

    private bool TrySkipGroup(int fieldNumber)
    {
        Span<int> open = stackalloc int[MaxGroupDepth];
        int depth = 0;
        open[depth++] = fieldNumber;
        while (depth > 0)
        {
            int tagStart = _pos;
            if (!TryReadTag(out int field, out WireType type))
            {
                return ErrorReason is null ? FailAt(tagStart, "truncated group (no end-group tag)") : false;
            }
            switch (type)
            {
                case WireType.StartGroup:
                    if (depth == MaxGroupDepth) return FailAt(tagStart, $"groups nested deeper than {MaxGroupDepth}");
                    open[depth++] = field;
                    break;
                case WireType.EndGroup:
                    if (open[--depth] != field) return FailAt(tagStart, "end-group tag does not match its start-group");
                    break;
                default:
                    if (!TrySkip(field, type)) return false;
                    break;
            }
        }
        return true;
    }

    /// <summary>Records a failure that a decoder found in a field's content (wrong length, bad value).</summary>
    public bool Fail(int absoluteOffset, string reason)
    {
        ErrorReason = reason;
        ErrorOffset = absoluteOffset;
        return false;
    }

    private bool FailAt(int localOffset, string reason)
    {
        ErrorReason = reason;
        ErrorOffset = _origin + localOffset;
        return false;
    }
}
