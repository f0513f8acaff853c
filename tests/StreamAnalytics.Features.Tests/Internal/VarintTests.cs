using StreamAnalytics.Features.Internal;

namespace StreamAnalytics.Features.Tests.Internal;

public class VarintTests
{
    [Theory]
    [InlineData(0UL, 1)]
    [InlineData(127UL, 1)]
    [InlineData(128UL, 2)]
    [InlineData(16_383UL, 2)]
    [InlineData(uint.MaxValue, 5)]
    [InlineData(ulong.MaxValue, 10)]
    public void Every_value_reads_back_from_as_many_bytes_as_it_needs(ulong value, int length)
    {
        var buffer = new byte[Varint.MaxLength + 1];
        Assert.Equal(length, Varint.Write(buffer, value));
        int position = 0;
        Assert.True(Varint.TryRead(buffer, ref position, out ulong back));
        Assert.Equal(value, back);
        Assert.Equal(length, position);
        position = 0;
        Assert.Equal(value, Varint.Read(buffer, ref position));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF })]
    public void A_truncated_varint_fails_and_leaves_the_position(byte[] bytes) => AssertRefused(bytes, "varint truncated");

    [Fact]
    public void Eleven_bytes_or_a_tenth_byte_above_one_is_more_than_64_bits()
    {
        byte[] eleven = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
        byte[] tenthTooBig = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02];
        AssertRefused(eleven, "varint longer than 10 bytes or 64 bits");
        AssertRefused(tenthTooBig, "varint longer than 10 bytes or 64 bits");
    }

    // TryRead fails and leaves the position; Read throws with the message.
    private static void AssertRefused(byte[] bytes, string message)
    {
        int position = 0;
        Assert.False(Varint.TryRead(bytes, ref position, out ulong _));
        Assert.Equal(0, position);
        Assert.Equal(message, Assert.Throws<FormatException>(() => Varint.Read(bytes, ref position)).Message);
    }

    [Fact]
    public void The_32_bit_reader_refuses_a_larger_value_and_leaves_the_position()
    {
        var buffer = new byte[Varint.MaxLength];
        Varint.Write(buffer, (ulong)uint.MaxValue + 1);
        int position = 0;
        Assert.False(Varint.TryRead(buffer, ref position, out uint _));
        Assert.Equal(0, position);
    }

    [Theory]
    [InlineData(0L, 0UL)]
    [InlineData(-1L, 1UL)]
    [InlineData(1L, 2UL)]
    [InlineData(long.MinValue, ulong.MaxValue)]
    [InlineData(long.MaxValue, ulong.MaxValue - 1)]
    public void Zig_zag_maps_small_magnitudes_to_small_numbers_and_back(long value, ulong zigZag)
    {
        Assert.Equal(zigZag, Varint.ZigZag(value));
        Assert.Equal(value, Varint.UnZigZag(zigZag));
    }
}
