using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools;

namespace StreamAnalytics.Formats.Tests.Decoding;

/// <summary><c>source.framing</c>: Confluent Schema Registry framing in front of every format.</summary>
public class ConfluentFramingTests
{
    public static TheoryData<SpanFormat> Formats() => TestData.Formats();

    private static bool IsProtobuf(SpanFormat f) => f is SpanFormat.OtlpProto or SpanFormat.JaegerProto or SpanFormat.ZipkinProto;

    /// <summary>
    /// Frames <paramref name="payload"/> as Confluent's serializers do: magic 0, schema id 0x0102_0304 big-endian, and
    /// for protobuf the message-index path (null = the one-byte shorthand for [0]), each a zigzag varint.
    /// </summary>
    private static byte[] Frame(SpanFormat format, byte[] payload, int[]? indexes = null)
    {
        var bytes = new List<byte> { 0, 0x01, 0x02, 0x03, 0x04 };
        if (IsProtobuf(format))
        {
            if (indexes is null) bytes.Add(0);
            else
            {
                ZigZag(bytes, indexes.Length);
                foreach (int i in indexes) ZigZag(bytes, i);
            }
        }
        bytes.AddRange(payload);
        return [.. bytes];
    }

    private static void ZigZag(List<byte> bytes, long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80) { bytes.Add((byte)(v | 0x80)); v >>= 7; }
        bytes.Add((byte)v);
    }

    private static List<SpanView> Decode(SpanFormat format, SourceFraming framing, IEnumerable<byte[]> messages)
    {
        var strings = new StringTable();
        var decoder = SpanDecoders.Create(format, strings, new DecoderOptions { Framing = framing });
        var batch = new SpanBatch();
        foreach (byte[] m in messages)
            Assert.True(decoder.TryDecode(m, batch, out DecodeError? error), error?.ToString());
        return SpanView.Sorted(SpanView.All(batch, strings));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Framed_messages_decode_to_the_same_spans_as_plain_ones_with_auto_and_confluent(SpanFormat format)
    {
        var plain = SpanEncoders.Encode(format, SampleTrace.Spans());
        List<SpanView> expected = Decode(format, SourceFraming.None, plain);
        Assert.NotEmpty(expected);
        var framed = plain.Select(m => Frame(format, m)).ToList();
        // A nested message path ([1, 2]) takes the long form of the index list.
        var framedLong = plain.Select(m => Frame(format, m, [1, 2])).ToList();

        Assert.Equal(expected, Decode(format, SourceFraming.Auto, framed));
        Assert.Equal(expected, Decode(format, SourceFraming.Confluent, framed));
        if (IsProtobuf(format)) Assert.Equal(expected, Decode(format, SourceFraming.Confluent, framedLong));
        // auto leaves unframed messages alone.
        Assert.Equal(expected, Decode(format, SourceFraming.Auto, plain));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_framed_message_with_framing_none_fails_with_a_reason_naming_the_setting(SpanFormat format)
    {
        byte[] framed = Frame(format, SpanEncoders.Encode(format, SampleTrace.Spans())[0]);
        var error = TestData.DecodeFails(format, framed, new DecoderOptions { Framing = SourceFraming.None });
        Assert.Equal(DecodeErrorKind.Malformed, error.Kind);
        Assert.Contains("source.framing=none", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void An_unframed_message_with_framing_confluent_fails_with_a_reason_naming_the_setting(SpanFormat format)
    {
        byte[] plain = SpanEncoders.Encode(format, SampleTrace.Spans())[0];
        var error = TestData.DecodeFails(format, plain, new DecoderOptions { Framing = SourceFraming.Confluent });
        Assert.Contains("source.framing=confluent", error.Reason, StringComparison.Ordinal);
        Assert.Contains("magic byte", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0, 1, 2 })]                  // ends inside the schema id
    [InlineData(new byte[] { 0, 1, 2, 3, 4 })]            // no index count
    [InlineData(new byte[] { 0, 1, 2, 3, 4, 0x06, 0x02 })] // three indexes announced, one present
    [InlineData(new byte[] { 0, 1, 2, 3, 4, 0x02, 0x01 })] // a negative index
    public void Broken_protobuf_framing_fails_whole_with_its_reason(byte[] message)
    {
        var error = TestData.DecodeFails(SpanFormat.OtlpProto, message);
        Assert.Equal(DecodeErrorKind.Malformed, error.Kind);
        Assert.Contains("source.framing=auto", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Payload_errors_keep_offsets_into_the_whole_message()
    {
        byte[] plainBad = [0x0a, 0x05, 0x01]; // field 1, length 5, one byte present: truncated
        var plain = TestData.DecodeFails(SpanFormat.OtlpProto, plainBad, new DecoderOptions { Framing = SourceFraming.None });
        var framed = TestData.DecodeFails(SpanFormat.OtlpProto, Frame(SpanFormat.OtlpProto, plainBad));
        Assert.True(plain.ByteOffset >= 0);
        Assert.Equal(plain.ByteOffset + 6, framed.ByteOffset);
    }
}
