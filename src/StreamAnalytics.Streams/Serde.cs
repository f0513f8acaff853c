using Confluent.Kafka;

namespace StreamAnalytics.Streams;

/// <summary>A serializer and deserializer pair for one type (Kafka Streams' Serde), built on Confluent.Kafka's interfaces.</summary>
/// <remarks>Both halves must be thread-safe or stateless: one instance is shared by every task of every thread.</remarks>
public sealed class Serde<T>
{
    public Serde(ISerializer<T> serializer, IDeserializer<T> deserializer)
    {
        Serializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        Deserializer = deserializer ?? throw new ArgumentNullException(nameof(deserializer));
    }

    public ISerializer<T> Serializer { get; }

    public IDeserializer<T> Deserializer { get; }
}
