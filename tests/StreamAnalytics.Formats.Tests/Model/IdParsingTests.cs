using System.Text;
using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Jaeger;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Tests.Model;

public class IdParsingTests
{
    [Theory]
    [InlineData("5b8efff798038103d269b633813fc60c", 0x5b8efff798038103UL, 0xd269b633813fc60cUL)]
    [InlineData("5B8EFFF798038103D269B633813FC60C", 0x5b8efff798038103UL, 0xd269b633813fc60cUL)]
    [InlineData("5af7183fb1d4cf5f", 0UL, 0x5af7183fb1d4cf5fUL)]
    [InlineData("abc", 0UL, 0xabcUL)]
    [InlineData("1d4cf5f5af7183fb1d4cf5f", 0x1d4cf5fUL, 0x5af7183fb1d4cf5fUL)]
    public void Hex_trace_ids_parse_left_padded_in_either_case(string hex, ulong high, ulong low)
    {
        var failure = new DecodeFailure();
        Assert.True(SpanIds.TryTraceIdHex(Encoding.ASCII.GetBytes(hex), allowShort: true, 0, 0, out TraceId id, ref failure));
        Assert.Equal(new TraceId(high, low), id);
    }

    [Fact]
    public void Otlp_json_requires_exactly_32_hex_characters()
    {
        var failure = new DecodeFailure();
        Assert.False(SpanIds.TryTraceIdHex("5af7183fb1d4cf5f"u8, allowShort: false, 3, 10, out _, ref failure));
        Assert.Equal("span 3: trace id has 16 hex characters, expected 32", failure.Reason);
        Assert.Equal(10, failure.Offset);
    }

    [Fact]
    public void A_parent_id_of_zeros_or_nothing_means_root()
    {
        var failure = new DecodeFailure();
        Assert.True(SpanIds.TryParentId(new byte[8], 0, 0, out SpanId zeros, ref failure));
        Assert.True(SpanIds.TryParentId(default, 0, 0, out SpanId none, ref failure));
        Assert.True(SpanIds.TryParentIdHex("0000000000000000"u8, allowShort: false, 0, 0, out SpanId hexZeros, ref failure));
        Assert.True(zeros.IsEmpty && none.IsEmpty && hexZeros.IsEmpty);
        Assert.False(failure.Failed);
    }

    [Theory]
    [InlineData("CvdlGRbNQ92ESOshHIAxnA==", "0af7651916cd43dd8448eb211c80319c")]
    [InlineData("CvdlGRbNQ92ESOshHIAxnA", "0af7651916cd43dd8448eb211c80319c")]
    [InlineData("0af7651916cd43dd8448eb211c80319c", "0af7651916cd43dd8448eb211c80319c")]
    [InlineData("t61rcWkgMzE=", "b7ad6b7169203331")]
    [InlineData("b7ad6b7169203331", "b7ad6b7169203331")]
    public void Jaeger_json_ids_decode_from_base64_or_hex(string text, string expectedHex)
    {
        Span<byte> bytes = stackalloc byte[16];
        int length = JaegerJsonDecoder.DecodeId(Encoding.ASCII.GetBytes(text), bytes);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(bytes[..length]));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("0af7651916cd43dd8448eb211c8031zz")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Undecodable_jaeger_ids_are_rejected(string text)
    {
        Span<byte> bytes = stackalloc byte[16];
        Assert.Equal(-1, JaegerJsonDecoder.DecodeId(Encoding.ASCII.GetBytes(text), bytes));
    }
}
