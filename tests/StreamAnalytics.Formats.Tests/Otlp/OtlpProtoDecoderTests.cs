using Google.Protobuf;
using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools.Generated.Otlp;
using OtlpSpan = StreamAnalytics.Tools.Generated.Otlp.Span;

namespace StreamAnalytics.Formats.Tests.Otlp;

public class OtlpProtoDecoderTests
{
    private static OtlpSpan Span(string spanId, string name) => new()
    {
        TraceId = ByteString.CopyFrom(Convert.FromHexString("5b8efff798038103d269b633813fc60c")),
        SpanId = ByteString.CopyFrom(Convert.FromHexString(spanId)),
        Name = name,
        Kind = OtlpSpan.Types.SpanKind.Server,
        StartTimeUnixNano = 10,
        EndTimeUnixNano = 25,
        Status = new Status { Code = Status.Types.StatusCode.Ok },
        Attributes =
        {
            new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = 503 } },
            new KeyValue { Key = "db.namespace", Value = new AnyValue { StringValue = "orders" } },
            new KeyValue { Key = "peer.service", Value = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { StringValue = "not a string attribute" } } } } },
        },
    };

    private static byte[] Resource(string service) =>
        new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } } } }.ToByteArray();

    private static byte[] Field(int number, byte[] body)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(body));
        output.Flush();
        return stream.ToArray();
    }

    [Fact]
    public void A_resource_written_after_its_spans_still_names_their_service()
    {
        byte[] scope = new ScopeSpans { Spans = { Span("0000000000000001", "a"), Span("0000000000000002", "b") } }.ToByteArray();
        byte[] resourceSpans = [.. Field(2, scope), .. Field(1, Resource("checkout"))];
        List<SpanView> views = TestData.Decode(SpanFormat.OtlpProto, Field(1, resourceSpans));
        Assert.All(views, v => Assert.Equal("checkout", v.Service));
    }

    [Fact]
    public void The_deprecated_instrumentation_library_spans_field_is_read_like_scope_spans()
    {
        byte[] library = new ScopeSpans { Spans = { Span("0000000000000003", "legacy") } }.ToByteArray();
        byte[] resourceSpans = [.. Field(1, Resource("old-sdk")), .. Field(1000, library)];
        SpanView view = Assert.Single(TestData.Decode(SpanFormat.OtlpProto, Field(1, resourceSpans)));
        Assert.Equal(("old-sdk", "legacy"), (view.Service, view.Operation));
    }

    [Fact]
    public void Status_ok_overrides_an_http_5xx_and_non_string_peer_values_are_ignored()
    {
        var request = new TracesData { ResourceSpans = { new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { Span("0000000000000004", "x") } } } } } };
        SpanView view = Assert.Single(TestData.Decode(SpanFormat.OtlpProto, request.ToByteArray()));
        Assert.False(view.Error);
        Assert.True(view.StatusSet);
        Assert.Equal(("orders", "Database"), (view.Peer, view.PeerKind));
        Assert.Equal(15, view.DurationNanos);
        Assert.Equal("unknown", view.Service);
    }

    [Fact]
    public void An_empty_request_decodes_to_no_spans_but_unknown_bytes_alone_are_rejected()
    {
        var batch = new SpanBatch();
        ISpanDecoder decoder = SpanDecoders.Create(SpanFormat.OtlpProto, new Formats.Model.StringTable());
        Assert.True(decoder.TryDecode(Field(1, []), batch, out _));
        Assert.Equal(0, batch.Count);
        DecodeError error = TestData.DecodeFails(SpanFormat.OtlpProto, Field(7, [1, 2, 3]));
        Assert.Contains("otlp_proto", error.Reason);
    }
}
