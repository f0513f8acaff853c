using Confluent.Kafka;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// Serializer and deserializer of record keys that are trace ids (<see cref="TraceIdKey"/>: 16 big-endian
/// bytes), for <c>{app}-spans-by-trace</c>, <c>{app}-trace-features</c> and topology wiring.
/// </summary>
/// <remarks>
/// Stateless and thread-safe. Deserializing a null, all-zero or wrongly sized key throws <see cref="FormatException"/>
/// (the runtime's deserialization handler then dead-letters the record): such a key means a wrongly wired topic.
/// </remarks>
public sealed class TraceIdKeySerde : ISerializer<TraceId>, IDeserializer<TraceId>
{
    /// <summary>The shared instance.</summary>
    public static TraceIdKeySerde Instance { get; } = new();

    /// <inheritdoc/>
    public byte[] Serialize(TraceId data, SerializationContext context) => TraceIdKey.ToKey(data);

    /// <inheritdoc/>
    public TraceId Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (!isNull && TraceIdKey.TryReadKey(data, out TraceId id)) return id;
        throw new FormatException(isNull
            ? $"record key of topic '{context.Topic}' is null; expected a 16-byte trace id"
            : $"record key of topic '{context.Topic}' is {data.Length} bytes or all zero; expected a 16-byte trace id");
    }
}

/// <summary>
/// Value deserializer of <c>{app}-spans-by-trace</c>: copies the <see cref="SpanCodec"/> bytes (the input span is only
/// valid during the call) into an encoded <see cref="SpanGroup"/> for <see cref="Assembly.TraceAssemblyProcessor"/> to
/// decode. A null value becomes an empty group, which the processor counts as a decode error.
/// </summary>
public sealed class SpanCodecValueDeserializer : IDeserializer<SpanGroup>
{
    /// <summary>The shared instance.</summary>
    public static SpanCodecValueDeserializer Instance { get; } = new();

    /// <inheritdoc/>
    public SpanGroup Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
        SpanGroup.FromEncoded(isNull ? ReadOnlyMemory<byte>.Empty : data.ToArray());
}
