using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using StreamAnalytics.Features.Internal;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// The records <see cref="WindowedAggregator"/> logs to its store's changelog
/// (<c>{application.id}-trace-aggregates-changelog</c>) and reads back on restore.
/// </summary>
/// <remarks>
/// One record per series: the key below, the value <see cref="AggregateState.WriteTo"/>; a tombstone once the window
/// is emitted. One watermark record: the one-byte key <c>[0xFF]</c> (<see cref="WatermarkKeyMarker"/>; a window key is
/// at least 13 bytes, so the two cannot be confused), value the watermark as int64 big-endian. The layout is what
/// existing changelogs hold: change it only with a way to read the old one.
/// </remarks>
internal static class AggregateChangelogCodec
{
    /// <summary>The one-byte key of the watermark record.</summary>
    internal const byte WatermarkKeyMarker = 0xFF;

    /// <summary>Key layout: window start (int64 big-endian), kind (1 byte), then four varint-length-prefixed UTF-8 strings.</summary>
    internal static void WriteKey(IBufferWriter<byte> output, long windowStart, AggregateKey key)
    {
        Span<byte> head = output.GetSpan(9);
        BinaryPrimitives.WriteInt64BigEndian(head, windowStart);
        head[8] = (byte)key.Kind;
        output.Advance(9);
        WriteString(output, key.V0);
        WriteString(output, key.V1);
        WriteString(output, key.V2);
        WriteString(output, key.V3);
    }

    private static void WriteString(IBufferWriter<byte> output, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> dst = output.GetSpan(5 + length);
        int p = Varint.Write(dst, (ulong)length);
        p += Encoding.UTF8.GetBytes(value, dst[p..]);
        output.Advance(p);
    }

    internal static (long WindowStart, AggregateKey Key) ReadKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < 13 || key[8] >= AggregateKindNames.Count)
            throw new FormatException($"aggregate changelog key of {key.Length} bytes is not a window key");
        long windowStart = BinaryPrimitives.ReadInt64BigEndian(key);
        var kind = (AggregateKind)key[8];
        int p = 9;
        string v0 = ReadString(key, ref p), v1 = ReadString(key, ref p), v2 = ReadString(key, ref p), v3 = ReadString(key, ref p);
        if (p != key.Length) throw new FormatException("aggregate changelog key has trailing bytes");
        return (windowStart, AggregateKey.FromParts(kind, v0, v1, v2, v3));
    }

    private static string ReadString(ReadOnlySpan<byte> source, ref int p)
    {
        ulong length = Varint.Read(source, ref p);
        if (length > (ulong)(source.Length - p)) throw new FormatException("aggregate changelog key truncated");
        string s = Encoding.UTF8.GetString(source.Slice(p, (int)length));
        p += (int)length;
        return s;
    }
}
