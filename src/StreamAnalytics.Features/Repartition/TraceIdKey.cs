using System.Runtime.CompilerServices;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// How records of the repartition topic <c>{app}-spans-by-trace-repartition</c> and of the open-trace changelog are
/// keyed, and which partition a key lands on. (The <c>{app}-trace-features</c> topic is keyed by the 32-hex trace id,
/// for readability, and partitioned by the producer.)
/// Named for what it is, the key codec: it places no record itself (the producer does, see below), hence not "partitioner".
/// </summary>
/// <remarks>
/// <para>
/// Key = the 16 raw bytes of the trace id, big-endian (<see cref="TraceId.WriteBytes"/>); a 64-bit id is written with a
/// zero high half. Keys are not hex, to halve their size.
/// </para>
/// <para>
/// Which id is written is the <see cref="JoinKey"/>: the trace id itself by default, so a 64-bit id and a 128-bit id
/// with the same lower half are two keys (two traces, possibly on two partitions). With
/// <c>assembly.trace.id.strict=false</c> it is the lower 64 bits, so both forms share a key, a partition and an
/// open-trace entry, as Zipkin joins them with <c>STRICT_TRACE_ID=false</c>.
/// </para>
/// <para>
/// Partition: Kafka's murmur2 of the key, as the Java client's default partitioner and Kafka Streams place it. The
/// runtime's producer uses it for every keyed record (<c>partitioner=murmur2_random</c>, which the configuration cannot
/// change), so every span of a trace meets in one task; <see cref="Partition(ReadOnlySpan{byte}, int)"/> computes the
/// same number, so a record's partition can be checked from its key without a broker. A source topic keyed by trace id
/// (no repartition) keeps the placement of whoever produced it; it only has to be the same for every span.
/// </para>
/// </remarks>
public static class TraceIdKey
{
    /// <summary>Length of a key in bytes.</summary>
    public const int KeyLength = 16;

    /// <summary>
    /// The id spans are grouped, keyed and partitioned by: <paramref name="traceId"/> when <paramref name="strict"/>,
    /// else its lower 64 bits (a zero high half), so the 64-bit and 128-bit forms of one id meet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TraceId JoinKey(TraceId traceId, bool strict) => strict ? traceId : new TraceId(0, traceId.Low);

    /// <summary>Writes the 16-byte key of <paramref name="traceId"/>.</summary>
    public static void WriteKey(TraceId traceId, Span<byte> destination16) => traceId.WriteBytes(destination16);

    /// <summary>A new 16-byte key array (for producer APIs that need one).</summary>
    public static byte[] ToKey(TraceId traceId)
    {
        var key = new byte[KeyLength];
        traceId.WriteBytes(key);
        return key;
    }

    /// <summary>Reads a key written by <see cref="WriteKey"/> (8-byte keys are accepted as 64-bit ids).</summary>
    public static bool TryReadKey(ReadOnlySpan<byte> key, out TraceId traceId) => TraceId.TryRead(key, out traceId) && !traceId.IsEmpty;

    /// <summary>The partition that Kafka's murmur2 partitioner (Java default; librdkafka <c>murmur2_random</c>) picks for a non-null key.</summary>
    public static int Partition(ReadOnlySpan<byte> key, int partitionCount)
    {
        if (partitionCount < 1) throw new ArgumentOutOfRangeException(nameof(partitionCount), partitionCount, "a topic has at least one partition");
        return (Murmur2(key) & 0x7FFFFFFF) % partitionCount;
    }

    /// <summary>The partition of <paramref name="traceId"/>'s key.</summary>
    public static int Partition(TraceId traceId, int partitionCount)
    {
        Span<byte> key = stackalloc byte[KeyLength];
        traceId.WriteBytes(key);
        return Partition(key, partitionCount);
    }

    /// <summary>Kafka's murmur2 (<c>org.apache.kafka.common.utils.Utils.murmur2</c>), bit for bit.</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint Seed = 0x9747B28C;
        const uint M = 0x5BD1E995;
        const int R = 24;
        int length = data.Length;
        uint h = Seed ^ (uint)length;
        int whole = length & ~3;
        for (int i = 0; i < whole; i += 4)
        {
            uint k = (uint)(data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        switch (length & 3)
        {
            case 3:
                h ^= (uint)data[whole + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[whole + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[whole];
                h *= M;
                break;
        }
        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return (int)h;
    }
}
