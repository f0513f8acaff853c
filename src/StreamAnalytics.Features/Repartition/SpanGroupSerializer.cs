using System.Buffers;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// Value serializer of <c>{app}-spans-by-trace</c>: a lent <see cref="SpanGroup"/> is encoded with <see cref="SpanCodec"/>
/// into the produced array (one copy out of the scratch buffer); an encoded group's bytes are passed on as they are.
/// </summary>
/// <remarks>
/// One topology-wide instance serves every task on every stream thread, and a codec keeps per-record scratch, so each
/// thread gets its own codec and buffer ([ThreadStatic]): no lock on the per-record path. The codec's cache of names'
/// UTF-8 bytes is bounded by the string table's size, once per thread.
/// </remarks>
public sealed class SpanGroupSerializer : ISerializer<SpanGroup>
{
    /// <summary>The shared instance.</summary>
    public static SpanGroupSerializer Instance { get; } = new();

    [ThreadStatic]
    private static SpanCodec? t_codec;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <inheritdoc/>
    public byte[] Serialize(SpanGroup data, SerializationContext context)
    {
        if (!data.IsDecoded)
        {
            // Bytes read from the topic are their own array (the deserializer copied them): no need for another copy.
            return MemoryMarshal.TryGetArray(data.Encoded, out ArraySegment<byte> whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length
                ? whole.Array
                : data.Encoded.ToArray();
        }
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        (t_codec ??= new SpanCodec()).Encode(data.Spans, data.Strings!, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
