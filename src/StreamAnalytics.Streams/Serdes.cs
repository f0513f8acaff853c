using Confluent.Kafka;

namespace StreamAnalytics.Streams;

/// <summary>Serdes for common types, over Confluent.Kafka's <see cref="Serializers"/> and <see cref="Deserializers"/>.</summary>
public static class Serdes
{
    /// <summary>UTF-8 strings; a null record value deserializes to null.</summary>
    public static Serde<string> String { get; } = new(Serializers.Utf8, Deserializers.Utf8);

    /// <summary>Big-endian 64-bit integers (Kafka's LongSerializer format).</summary>
    public static Serde<long> Int64 { get; } = new(Serializers.Int64, Deserializers.Int64);

    /// <summary>Big-endian 32-bit integers.</summary>
    public static Serde<int> Int32 { get; } = new(Serializers.Int32, Deserializers.Int32);

    /// <summary>Bytes as they are; a null record value deserializes to null.</summary>
    public static Serde<byte[]> ByteArray { get; } = new(Serializers.ByteArray, Deserializers.ByteArray);
}
