using Confluent.Kafka;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Repartition;

public sealed class TraceIdKeySerdeTests
{
    private static readonly SerializationContext Key = new(MessageComponentType.Key, "app-spans-by-trace");

    [Fact]
    public void A_trace_id_key_round_trips_and_a_malformed_key_is_rejected_naming_the_topic()
    {
        var id = new TraceId(0xDEAD, 0xBEEF);
        byte[] bytes = TraceIdKeySerde.Instance.Serialize(id, Key);

        Assert.Equal(id, TraceIdKeySerde.Instance.Deserialize(bytes, false, Key));
        var e = Assert.Throws<FormatException>(() => TraceIdKeySerde.Instance.Deserialize(new byte[3], false, Key));
        Assert.Contains("app-spans-by-trace", e.Message);
        Assert.Throws<FormatException>(() => TraceIdKeySerde.Instance.Deserialize(ReadOnlySpan<byte>.Empty, true, Key));
    }

    [Fact]
    public void The_value_deserializer_copies_the_bytes_and_turns_null_into_empty()
    {
        var ctx = new SerializationContext(MessageComponentType.Value, "app-spans-by-trace");
        byte[] source = [1, 2, 3];
        var value = SpanCodecValueDeserializer.Instance.Deserialize(source, false, ctx);
        source[0] = 9;

        Assert.Equal(new byte[] { 1, 2, 3 }, value.ToArray());
        Assert.True(SpanCodecValueDeserializer.Instance.Deserialize(ReadOnlySpan<byte>.Empty, true, ctx).IsEmpty);
    }
}
