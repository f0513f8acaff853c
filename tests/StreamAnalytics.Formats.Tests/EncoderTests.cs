using System.Text;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;
using Generated = StreamAnalytics.Tools.Generated;

namespace StreamAnalytics.Formats.Tests;

public class EncoderTests
{
    private static LogicalSpan Span(SpanKind kind = SpanKind.Unspecified, bool shared = false, string traceId = "463ac35c9f6413ad48485a3953bb6124") => new()
    {
        TraceId = traceId,
        SpanId = "a2fb4a1d1a96d312",
        ParentSpanId = "0020000000000001",
        Service = "backend",
        Operation = "op",
        Kind = kind,
        StartUnixNanos = 1_700_000_000_123_456_789,
        DurationNanos = 987_654_321,
        Shared = shared,
    };

    [Theory]
    [InlineData(SpanFormat.OtlpProto, 4)]
    [InlineData(SpanFormat.OtlpJson, 4)]
    [InlineData(SpanFormat.ZipkinProto, 4)]
    [InlineData(SpanFormat.ZipkinJson, 4)]
    [InlineData(SpanFormat.JaegerProto, 11)]
    [InlineData(SpanFormat.JaegerJson, 11)]
    public void Batch_formats_split_at_the_requested_size_and_jaeger_writes_one_span_per_message(SpanFormat format, int expectedMessages)
    {
        IReadOnlyList<byte[]> messages = SpanEncoders.Encode(format, SampleTrace.Spans(), 3);
        Assert.Equal(expectedMessages, messages.Count);
        Assert.Equal(11, TestData.Decode(format, messages).Count);
    }

    [Fact]
    public void Otlp_groups_spans_into_one_resource_per_service()
    {
        byte[] message = SpanEncoders.Encode(SpanFormat.OtlpProto, SampleTrace.Spans())[0];
        var request = Generated.Otlp.TracesData.Parser.ParseFrom(message);
        Assert.Equal(["frontend", "cart", "shipping"], request.ResourceSpans.Select(r => r.Resource.Attributes.Single().Value.StringValue));
    }

    [Theory]
    [InlineData(SpanFormat.OtlpProto)]
    [InlineData(SpanFormat.OtlpJson)]
    [InlineData(SpanFormat.JaegerProto)]
    [InlineData(SpanFormat.JaegerJson)]
    public void Nanosecond_formats_round_trip_the_internal_kind_and_exact_times(SpanFormat format)
    {
        SpanView view = Assert.Single(TestData.Decode(format, SpanEncoders.Encode(format, [Span(SpanKind.Internal)])));
        Assert.Equal("Internal", view.Kind);
        Assert.Equal(1_700_000_000_123_456_789, view.StartUnixNanos);
        Assert.Equal(987_654_321, view.DurationNanos);
        Assert.Equal("0020000000000001", view.ParentSpanId);
    }

    [Theory]
    [InlineData(SpanFormat.ZipkinProto)]
    [InlineData(SpanFormat.ZipkinJson)]
    public void Zipkin_keeps_shared_truncates_to_microseconds_and_has_no_internal_kind(SpanFormat format)
    {
        SpanView view = Assert.Single(TestData.Decode(format, SpanEncoders.Encode(format, [Span(SpanKind.Internal, shared: true)])));
        Assert.True(view.Shared);
        Assert.Equal("Unspecified", view.Kind);
        Assert.Equal(1_700_000_000_123_456_000, view.StartUnixNanos);
        Assert.Equal(987_654_000, view.DurationNanos);
    }

    [Theory]
    [InlineData(SpanFormat.ZipkinJson, "\"traceId\":\"48485a3953bb6124\"")]
    [InlineData(SpanFormat.OtlpJson, "\"traceId\":\"000000000000000048485a3953bb6124\"")]
    public void A_64_bit_trace_id_is_written_in_each_format_s_width_and_decodes_the_same(SpanFormat format, string expectedJson)
    {
        IReadOnlyList<byte[]> messages = SpanEncoders.Encode(format, [Span(traceId: "48485a3953bb6124")]);
        Assert.Contains(expectedJson, Encoding.UTF8.GetString(messages[0]));
        Assert.Equal("000000000000000048485a3953bb6124", Assert.Single(TestData.Decode(format, messages)).TraceId);
    }

    [Fact]
    public void Jaeger_json_is_written_in_the_protobuf_json_mapping()
    {
        string json = Encoding.UTF8.GetString(SpanEncoders.Encode(SpanFormat.JaegerJson, [Span(SpanKind.Server)])[0]);
        Assert.Contains("\"traceId\":\"RjrDXJ9kE61ISFo5U7thJA==\"", json);
        Assert.Contains("\"startTime\":\"2023-11-14T22:13:20.123456789Z\"", json);
        Assert.Contains("\"duration\":\"0.987654321s\"", json);
        Assert.Contains("{\"key\":\"span.kind\",\"vStr\":\"server\"}", json);
    }

    [Fact]
    public void A_non_hex_id_is_rejected_with_the_offending_value()
    {
        var bad = new LogicalSpan { TraceId = "xyz", SpanId = "1", Service = "s", Operation = "o" };
        var error = Assert.Throws<ArgumentException>(() => SpanEncoders.Encode(SpanFormat.OtlpProto, [bad]));
        Assert.Contains("xyz", error.Message);
    }
}
