using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using StreamAnalytics.Formats.Protobuf;

namespace StreamAnalytics.Formats.Tests.Protobuf;

public class ProtoReaderTests
{
    private static byte[] Varint(ulong value)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteUInt64(value);
        output.Flush();
        return stream.ToArray();
    }

    [Fact]
    public void Any_varint_reads_back_on_both_the_fast_and_the_slow_path()
    {
        Check.QuickThrowOnFailure(Prop.ForAll<ulong>(value =>
        {
            byte[] bytes = Varint(value);
            // Alone in the buffer (< 10 bytes left: slow path) and followed by padding (fast path).
            var slow = new ProtoReader(bytes);
            var fast = new ProtoReader([.. bytes, .. new byte[10]]);
            return slow.TryReadVarint64(out ulong a) && a == value && slow.IsAtEnd
                   && fast.TryReadVarint64(out ulong b) && b == value && fast.Position == bytes.Length;
        }));
    }

    [Fact]
    public void A_truncated_varint_fails_with_its_offset()
    {
        var reader = new ProtoReader([0x80, 0x80]);
        Assert.False(reader.TryReadVarint64(out _));
        Assert.Equal("truncated varint", reader.ErrorReason);
        Assert.Equal(0, reader.ErrorOffset);
    }

    [Fact]
    public void Nested_readers_report_offsets_from_the_start_of_the_outer_message()
    {
        byte[] message = [0x08, 0x01, 0x12, 0x03, 0x08, 0x80, 0x80]; // field 1 = 1, field 2 = {field 1: truncated varint}
        var reader = new ProtoReader(message);
        Assert.True(reader.TryReadTag(out _, out _));
        Assert.True(reader.TryReadVarint64(out _));
        Assert.True(reader.TryReadTag(out int field, out WireType type));
        Assert.Equal((2, WireType.LengthDelimited), (field, type));
        Assert.True(reader.TryReadMessage(out ProtoReader nested));
        Assert.True(nested.TryReadTag(out _, out _));
        Assert.False(nested.TryReadVarint64(out _));
        Assert.Equal(5, nested.ErrorOffset);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped()
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(100, WireFormat.WireType.Varint); output.WriteUInt64(ulong.MaxValue);
        output.WriteTag(101, WireFormat.WireType.Fixed64); output.WriteFixed64(7);
        output.WriteTag(102, WireFormat.WireType.LengthDelimited); output.WriteString("skip me");
        output.WriteTag(103, WireFormat.WireType.StartGroup);
        output.WriteTag(1, WireFormat.WireType.Varint); output.WriteUInt32(5);
        output.WriteTag(104, WireFormat.WireType.StartGroup);
        output.WriteTag(104, WireFormat.WireType.EndGroup);
        output.WriteTag(103, WireFormat.WireType.EndGroup);
        output.WriteTag(105, WireFormat.WireType.Fixed32); output.WriteFixed32(9);
        output.WriteTag(1, WireFormat.WireType.Varint); output.WriteUInt32(42);
        output.Flush();

        var reader = new ProtoReader(stream.ToArray());
        ulong found = 0;
        while (reader.TryReadTag(out int field, out WireType type))
        {
            if (field == 1 && type == WireType.Varint) Assert.True(reader.TryReadVarint64(out found));
            else Assert.True(reader.TrySkip(field, type), reader.ErrorReason);
        }
        Assert.Null(reader.ErrorReason);
        Assert.Equal(42UL, found);
    }

    [Theory]
    [InlineData(new byte[] { 0x1B, 0x24 }, "end-group tag does not match")] // group 3 closed as group 4
    [InlineData(new byte[] { 0x1B, 0x08, 0x01 }, "truncated group")]
    [InlineData(new byte[] { 0x0C }, "end-group tag without a matching start-group")]
    [InlineData(new byte[] { 0x0E }, "invalid wire type")]
    [InlineData(new byte[] { 0x00 }, "field number 0")]
    [InlineData(new byte[] { 0x09, 0x01, 0x02 }, "truncated fixed64")]
    [InlineData(new byte[] { 0x0D, 0x01 }, "truncated fixed32")]
    public void Malformed_wire_data_fails_with_a_reason(byte[] message, string reason)
    {
        var reader = new ProtoReader(message);
        bool ok = true;
        while (ok && reader.TryReadTag(out int field, out WireType type)) ok = reader.TrySkip(field, type);
        Assert.NotNull(reader.ErrorReason);
        Assert.Contains(reason, reader.ErrorReason);
    }
}
