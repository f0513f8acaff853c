namespace StreamAnalytics.Formats.Decoding;

/// <summary>
/// Confluent Schema Registry's wire framing: magic byte 0, a 4-byte big-endian schema id, and for protobuf the
/// message-index path (a zigzag varint count, then that many zigzag varints; a single 0 byte stands for [0], the first
/// message of the schema). JSON Schema framing has no indexes. The schema id is not looked up: the topic's
/// <c>source.format</c> says how to decode the payload.
/// </summary>
internal static class ConfluentFraming
{
    public const byte MagicByte = 0;

    /// <summary>Magic byte plus schema id.</summary>
    public const int PrefixLength = 5;

    /// <summary>
    /// Length of the framing at the start of <paramref name="message"/>, or -1 with <paramref name="reason"/> when it
    /// is not valid framing.
    /// </summary>
    /// <param name="message">The whole message value.</param>
    /// <param name="hasMessageIndexes">True for protobuf payloads.</param>
    /// <param name="reason">Why it is not valid framing, when -1 is returned.</param>
    public static int HeaderLength(ReadOnlySpan<byte> message, bool hasMessageIndexes, out string? reason)
    {
        reason = null;
        if (message.IsEmpty || message[0] != MagicByte)
        {
            reason = message.IsEmpty ? "the message is empty" : $"the first byte is 0x{message[0]:x2}, not the magic byte 0";
            return -1;
        }
        if (message.Length < PrefixLength)
        {
            reason = $"the message ends inside the 5-byte magic byte and schema id ({message.Length} bytes)";
            return -1;
        }
        if (!hasMessageIndexes) return PrefixLength;

        int pos = PrefixLength;
        if (!TryReadZigZag(message, ref pos, out long count) || count < 0 || count > message.Length - pos)
        {
            reason = $"the protobuf message-index count at byte {PrefixLength} is truncated or invalid";
            return -1;
        }
        // count 0 is the one-byte shorthand for [0]; each index takes at least one byte, so the loop is bounded by the message.
        for (long i = 0; i < count; i++)
        {
            int at = pos;
            if (!TryReadZigZag(message, ref pos, out long index) || index < 0)
            {
                reason = $"message index {i} at byte {at} is truncated or negative";
                return -1;
            }
        }
        return pos;
    }

    private static bool TryReadZigZag(ReadOnlySpan<byte> buffer, ref int pos, out long value)
    {
        ulong raw = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (pos >= buffer.Length) break;
            byte b = buffer[pos++];
            raw |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return true;
            }
        }
        value = 0;
        return false;
    }
}
