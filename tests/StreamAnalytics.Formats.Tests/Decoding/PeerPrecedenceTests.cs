using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Formats.Tests.Decoding;

public class PeerPrecedenceTests
{
    public static TheoryData<string> AllFormats() => new(SpanFormatNames.All);

    private static Span DecodeOne(string formatName, LogicalSpan span, StringTable strings)
    {
        Assert.True(SpanFormatNames.TryParse(formatName, out var format));
        var decoder = SpanDecoders.Create(format, strings);
        var batch = new SpanBatch();
        foreach (byte[] message in SpanEncoders.Encode(format, [span]))
            Assert.True(decoder.TryDecode(message, batch, out var error), error?.ToString());
        return Assert.Single(batch.Spans.ToArray());
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void A_database_call_names_the_database_even_when_peer_service_is_set(string format)
    {
        var strings = new StringTable();
        var span = DecodeOne(format, new LogicalSpan
        {
            TraceId = "0af7651916cd43dd8448eb211c80319c", SpanId = "b7ad6b7169203331", Service = "cart", Operation = "HGET",
            Kind = SpanKind.Client, StartUnixNanos = 1_700_000_000_000_000_000, DurationNanos = 1_000_000,
            PeerService = "redis-cart", DbSystem = "redis", DbName = "cart-db", ServerAddress = "redis-cart.svc",
        }, strings);
        Assert.Equal(PeerKind.Database, span.PeerKind);
        Assert.Equal("cart-db", strings[span.Peer]);
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void A_plain_rpc_client_names_its_peer_service_before_the_server_address(string format)
    {
        var strings = new StringTable();
        var span = DecodeOne(format, new LogicalSpan
        {
            TraceId = "0af7651916cd43dd8448eb211c80319c", SpanId = "b7ad6b7169203332", Service = "frontend", Operation = "GetCart",
            Kind = SpanKind.Client, StartUnixNanos = 1_700_000_000_000_000_000, DurationNanos = 1_000_000,
            PeerService = "cart", ServerAddress = "10.0.0.7",
        }, strings);
        Assert.Equal(PeerKind.Service, span.PeerKind);
        Assert.Equal("cart", strings[span.Peer]);
    }
}
