using Google.Protobuf;
using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools.Generated.Zipkin;
using ZipkinSpan = StreamAnalytics.Tools.Generated.Zipkin.Span;

namespace StreamAnalytics.Formats.Tests.Zipkin;

public class ZipkinProtoDecoderTests
{
    private static ByteString Id(string hex) => ByteString.CopyFrom(Convert.FromHexString(hex));

    [Fact]
    public void A_list_decodes_shared_spans_remote_endpoints_and_tags()
    {
        var list = new ListOfSpans();
        list.Spans.Add(new ZipkinSpan
        {
            TraceId = Id("5af7183fb1d4cf5f"),
            ParentId = Id("6b221d5bc9e6496c"),
            Id = Id("352bff9a74ca9ad2"),
            Kind = ZipkinSpan.Types.Kind.Server,
            Name = "get /api",
            Timestamp = 1556604172355900,
            Duration = 1100,
            LocalEndpoint = new Endpoint { ServiceName = "backend", Ipv4 = ByteString.CopyFrom(172, 19, 0, 2) },
            RemoteEndpoint = new Endpoint { Ipv4 = ByteString.CopyFrom(172, 19, 0, 3), Port = 58648 },
            Tags = { ["error"] = "boom" },
            Shared = true,
        });
        list.Spans.Add(new ZipkinSpan
        {
            TraceId = Id("463ac35c9f6413ad48485a3953bb6124"),
            Id = Id("a2fb4a1d1a96d312"),
            Kind = ZipkinSpan.Types.Kind.Client,
            Name = "select",
            Timestamp = 1556604172357000,
            Duration = 3,
            LocalEndpoint = new Endpoint { ServiceName = "backend" },
            RemoteEndpoint = new Endpoint { ServiceName = "mysql" },
            Tags = { ["error"] = "false", ["http.status_code"] = "502" },
        });

        List<SpanView> views = TestData.Decode(SpanFormat.ZipkinProto, list.ToByteArray());

        Assert.Equal(
        [
            new("00000000000000005af7183fb1d4cf5f", "352bff9a74ca9ad2", "6b221d5bc9e6496c", "backend", "get /api", "Server",
                1556604172355900000, 1100000, true, false, true, false, null, "None"),
            new("463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", null, "backend", "select", "Client",
                1556604172357000000, 3000, true, false, false, false, "mysql", "Service"),
        ], views);
    }

    [Fact]
    public void A_known_field_with_an_unexpected_wire_type_is_skipped_like_an_unknown_field()
    {
        var span = new ZipkinSpan { TraceId = Id("5af7183fb1d4cf5f"), Id = Id("352bff9a74ca9ad2"), Name = "n" };
        byte[] spanBytes = [.. span.ToByteArray(), 0x28, 0x05]; // field 5 (name) as a varint
        byte[] list = [0x0A, (byte)spanBytes.Length, .. spanBytes];
        Assert.Equal("n", Assert.Single(TestData.Decode(SpanFormat.ZipkinProto, list)).Operation);
    }
}
