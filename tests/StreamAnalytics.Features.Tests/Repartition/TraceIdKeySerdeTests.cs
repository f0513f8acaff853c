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

        Assert.False(value.IsDecoded);
        Assert.Equal(new byte[] { 1, 2, 3 }, value.Encoded.ToArray());
        Assert.True(SpanCodecValueDeserializer.Instance.Deserialize(ReadOnlySpan<byte>.Empty, true, ctx).IsEmpty);
    }

    [Fact]
    public void The_value_serializer_encodes_lent_spans_with_the_codec_and_passes_encoded_bytes_on_as_they_are()
    {
        var ctx = new SerializationContext(MessageComponentType.Value, "app-spans-by-trace");
        var strings = new StringTable();
        var spans = new[]
        {
            new Span { TraceId = new TraceId(1, 2), SpanId = new SpanId(3), Service = strings.Intern("svc"), Operation = strings.Intern("op"), StartUnixNanos = 10, DurationNanos = 5 },
            new Span { TraceId = new TraceId(1, 2), SpanId = new SpanId(4), ParentSpanId = new SpanId(3), Service = strings.Intern("svc"), Operation = strings.Intern("op2"), StartUnixNanos = 12, DurationNanos = 1 },
        };

        byte[] bytes = SpanGroupSerializer.Instance.Serialize(SpanGroup.Lend(spans, strings), ctx);

        var other = new StringTable();
        var batch = new StreamAnalytics.Formats.SpanBatch();
        Assert.True(new SpanCodec().TryDecode(bytes, other, batch, out _));
        Assert.Equal(2, batch.Count);
        Assert.Equal("op2", other[batch[1].Operation]);
        Assert.Equal(new SpanId(3), batch[1].ParentSpanId);
        var encoded = SpanCodecValueDeserializer.Instance.Deserialize(bytes, false, ctx);
        Assert.Same(GetArray(encoded), SpanGroupSerializer.Instance.Serialize(encoded, ctx));
    }

    private static byte[] GetArray(SpanGroup group) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(group.Encoded, out ArraySegment<byte> segment) ? segment.Array! : [];
}
