using Confluent.Kafka;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// The serializers of the <c>{app}-trace-features</c> topic: key = the 32-hex trace id (readable by any consumer),
/// value = the <see cref="FeaturesDocument"/>'s bytes, the same bytes Elasticsearch and the files get.
/// </summary>
public static class TopicSerializers
{
    /// <summary>The record key: the trace id as 32 lowercase hex ASCII characters.</summary>
    public static ISerializer<TraceId> TraceIdHex { get; } = new TraceIdHexSerializer();

    /// <summary>The record value: the document as serialized once (no copy, no second serialization).</summary>
    public static ISerializer<FeaturesDocument> FeaturesDocument { get; } = new FeaturesDocumentSerializer();

    private sealed class TraceIdHexSerializer : ISerializer<TraceId>
    {
        public byte[] Serialize(TraceId data, SerializationContext context)
        {
            var bytes = new byte[32];
            Span<char> hex = stackalloc char[32];
            data.FormatHex(hex);
            for (int i = 0; i < hex.Length; i++) bytes[i] = (byte)hex[i];
            return bytes;
        }
    }

    private sealed class FeaturesDocumentSerializer : ISerializer<FeaturesDocument>
    {
        public byte[] Serialize(FeaturesDocument data, SerializationContext context) => data.TopicValue;
    }
}
