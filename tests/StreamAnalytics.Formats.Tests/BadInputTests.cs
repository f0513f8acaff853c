using System.Text;
using Google.Protobuf;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools;
using Generated = StreamAnalytics.Tools.Generated;

namespace StreamAnalytics.Formats.Tests;

/// <summary>Bad input never throws, fails the whole message, leaves the batch as it was and says why.</summary>
public class BadInputTests
{
    public static TheoryData<SpanFormat> Formats() => TestData.Formats();

    public static TheoryData<SpanFormat> ProtoFormats() => new() { SpanFormat.OtlpProto, SpanFormat.JaegerProto, SpanFormat.ZipkinProto };

    public static TheoryData<SpanFormat> JsonFormats() => new() { SpanFormat.OtlpJson, SpanFormat.JaegerJson, SpanFormat.ZipkinJson };

    [Theory]
    [MemberData(nameof(Formats))]
    public void An_empty_message_yields_an_empty_error(SpanFormat format)
    {
        DecodeError error = TestData.DecodeFails(format, ReadOnlySpan<byte>.Empty);
        Assert.Equal(DecodeErrorKind.Empty, error.Kind);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Random_bytes_yield_an_error_and_leave_the_batch_unchanged(SpanFormat format)
    {
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            byte[] noise = new byte[random.Next(1, 300)];
            random.NextBytes(noise);
            noise[0] = 0xFF; // never a valid first byte of a tag or of JSON, so every message must fail
            TestData.DecodeFails(format, noise);
        }
    }

    [Theory]
    [MemberData(nameof(ProtoFormats))]
    public void A_truncated_message_yields_a_malformed_error_with_its_offset(SpanFormat format)
    {
        byte[] message = SpanEncoders.Encode(format, SampleTrace.Spans())[0];
        DecodeError error = TestData.DecodeFails(format, message.AsSpan(0, message.Length - 1));
        Assert.Equal(DecodeErrorKind.Malformed, error.Kind);
        Assert.InRange(error.ByteOffset, 0, message.Length);
    }

    [Theory]
    [MemberData(nameof(ProtoFormats))]
    public void A_length_prefix_longer_than_the_message_is_malformed(SpanFormat format)
    {
        byte[] message = SpanEncoders.Encode(format, SampleTrace.Spans())[0];
        // Field 1 with a length of 2^31: an over-long claim must not allocate or read past the end.
        byte[] overlong = [0x0A, 0x80, 0x80, 0x80, 0x80, 0x08, .. message];
        DecodeError error = TestData.DecodeFails(format, overlong);
        Assert.Equal(DecodeErrorKind.Malformed, error.Kind);
        Assert.Contains("past the end", error.Reason);
        Assert.Equal(1, error.ByteOffset);
    }

    [Theory]
    [MemberData(nameof(ProtoFormats))]
    public void A_varint_of_more_than_ten_bytes_is_malformed(SpanFormat format)
    {
        byte[] message = [0x08, .. Enumerable.Repeat((byte)0xFF, 11), 0x01];
        DecodeError error = TestData.DecodeFails(format, message);
        Assert.Equal(DecodeErrorKind.Malformed, error.Kind);
        Assert.Contains("varint", error.Reason);
    }

    [Theory]
    [MemberData(nameof(ProtoFormats))]
    public void Json_sent_to_a_protobuf_topic_is_rejected(SpanFormat format)
    {
        SpanFormat jsonTwin = format switch
        {
            SpanFormat.OtlpProto => SpanFormat.OtlpJson,
            SpanFormat.JaegerProto => SpanFormat.JaegerJson,
            _ => SpanFormat.ZipkinJson,
        };
        foreach (byte[] json in SpanEncoders.Encode(jsonTwin, SampleTrace.Spans()))
            TestData.DecodeFails(format, json);
    }

    [Theory]
    [MemberData(nameof(JsonFormats))]
    public void Protobuf_sent_to_a_json_topic_is_malformed(SpanFormat format)
    {
        SpanFormat protoTwin = format switch
        {
            SpanFormat.OtlpJson => SpanFormat.OtlpProto,
            SpanFormat.JaegerJson => SpanFormat.JaegerProto,
            _ => SpanFormat.ZipkinProto,
        };
        foreach (byte[] proto in SpanEncoders.Encode(protoTwin, SampleTrace.Spans()))
            Assert.Equal(DecodeErrorKind.Malformed, TestData.DecodeFails(format, proto).Kind);
    }

    [Theory]
    [MemberData(nameof(JsonFormats))]
    public void Trailing_garbage_after_a_json_document_is_malformed(SpanFormat format)
    {
        byte[] message = SpanEncoders.Encode(format, SampleTrace.Spans())[0];
        Assert.Equal(DecodeErrorKind.Malformed, TestData.DecodeFails(format, [.. message, .. " x"u8]).Kind);
    }

    [Fact]
    public void Invalid_utf8_in_a_protobuf_name_is_replaced_not_thrown()
    {
        byte[] bad = [(byte)'o', (byte)'p', 0xFF, 0xC3];
        var span = new Generated.Otlp.Span
        {
            TraceId = ByteString.CopyFrom(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()),
            SpanId = ByteString.CopyFrom(Enumerable.Range(1, 8).Select(i => (byte)i).ToArray()),
        };
        byte[] spanBytes = [.. span.ToByteArray(), 0x2A, (byte)bad.Length, .. bad]; // field 5 (name), raw bytes
        byte[] scope = [0x12, (byte)spanBytes.Length, .. spanBytes];
        byte[] resource = [0x12, (byte)scope.Length, .. scope];
        byte[] request = [0x0A, (byte)resource.Length, .. resource];

        List<SpanView> views = TestData.Decode(SpanFormat.OtlpProto, request);
        Assert.Equal("op\uFFFD\uFFFD", views.Single().Operation);
    }

    [Theory]
    [MemberData(nameof(JsonFormats))]
    public void Invalid_utf8_in_a_json_name_never_throws(SpanFormat format)
    {
        byte[] message = SpanEncoders.Encode(format, SampleTrace.Spans())[0];
        int at = message.AsSpan().IndexOf("GET /"u8);
        message[at + 1] = 0xFF;
        var strings = new StringTable();
        var batch = new SpanBatch();
        bool ok = SpanDecoders.Create(format, strings).TryDecode(message, batch, out DecodeError? error);
        if (ok) Assert.Contains(SpanView.All(batch, strings), v => v.Operation.Contains('\uFFFD'));
        else Assert.Equal(0, batch.Count);
        Assert.Equal(ok, error is null);
    }

    [Theory]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":123,"spanId":"0000000000000001"}]}]}]}""", "span 0: traceId must be a string")]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":{}}""", "resourceSpans must be an array")]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SERVER"}]}]}]}""", "kind must be")]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-5"}]}]}]}""", "startTimeUnixNano must be")]
    [InlineData(SpanFormat.JaegerJson, """{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE=","duration":5}""", "duration must be")]
    [InlineData(SpanFormat.JaegerJson, """{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE=","startTime":"2018-02-30T00:00:00Z"}""", "startTime must be")]
    [InlineData(SpanFormat.JaegerJson, """[]""", "must be an object")]
    [InlineData(SpanFormat.ZipkinJson, """[{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","timestamp":"soon"}]""", "span 0: timestamp must be")]
    [InlineData(SpanFormat.ZipkinJson, """[{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","kind":"SIDEWAYS"}]""", "kind \"SIDEWAYS\"")]
    [InlineData(SpanFormat.ZipkinJson, """[{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","tags":[]}]""", "tags must be an object")]
    public void Json_with_wrong_types_yields_an_invalid_field_error(SpanFormat format, string json, string reason)
    {
        DecodeError error = TestData.DecodeFails(format, Encoding.UTF8.GetBytes(json));
        Assert.Equal(DecodeErrorKind.InvalidField, error.Kind);
        Assert.Contains(reason, error.Reason);
        Assert.True(error.ByteOffset >= 0);
    }

    [Theory]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000001"},{"traceId":"00000000000000000000000000000000","spanId":"0000000000000002"}]}]}]}""", "span 1: trace id is all zero")]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc6","spanId":"0000000000000001"}]}]}]}""", "span 0: trace id has 30 hex characters, expected 32")]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000000"}]}]}]}""", "span 0: span id is all zero")]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"00000000000000zz"}]}]}]}""", "span 0: span id is not hexadecimal")]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000001","parentSpanId":"01"}]}]}]}""", "span 0: parent span id")]
    [InlineData(SpanFormat.OtlpJson, """{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"0000000000000001"}]}]}]}""", "span 0: trace id is missing")]
    [InlineData(SpanFormat.JaegerJson, """{"traceId":"AAAAAAAAAAAAAAAAAAAAAA==","spanId":"t61rcWkgMzE="}""", "span 0: trace id is all zero")]
    [InlineData(SpanFormat.JaegerJson, """{"traceId":"CvdlGRbNQ92ESOshHIA=","spanId":"t61rcWkgMzE="}""", "span 0: trace id has 14 bytes, expected 8 or 16")]
    [InlineData(SpanFormat.JaegerJson, """{"traceId":"CvdlGRbNQ92ESOshHIAxnA=="}""", "span 0: span id is missing")]
    [InlineData(SpanFormat.ZipkinJson, """[{"traceId":"5af7183fb1d4cf5f","id":"1"},{"traceId":"05af7183fb1d4cf5f05af7183fb1d4cf5f","id":"2"}]""", "span 1: trace id has 34 hex characters")]
    [InlineData(SpanFormat.ZipkinJson, """[{"traceId":"0","id":"1"}]""", "span 0: trace id is all zero")]
    [InlineData(SpanFormat.ZipkinJson, """[{"traceId":"5af7183fb1d4cf5f","id":"11111111111111111"}]""", "span 0: span id has 17 hex characters")]
    public void Ids_of_wrong_length_or_all_zero_fail_the_message_naming_the_span(SpanFormat format, string json, string reason)
    {
        DecodeError error = TestData.DecodeFails(format, Encoding.UTF8.GetBytes(json));
        Assert.Equal(DecodeErrorKind.InvalidId, error.Kind);
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void A_protobuf_trace_id_of_the_wrong_length_fails_with_invalid_id()
    {
        var request = new Generated.Otlp.TracesData();
        var scope = new Generated.Otlp.ScopeSpans();
        scope.Spans.Add(new Generated.Otlp.Span { TraceId = ByteString.CopyFrom(new byte[16] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }), SpanId = ByteString.CopyFrom(new byte[8] { 0, 0, 0, 0, 0, 0, 0, 1 }) });
        scope.Spans.Add(new Generated.Otlp.Span { TraceId = ByteString.CopyFrom(new byte[15]), SpanId = ByteString.CopyFrom(new byte[8] { 0, 0, 0, 0, 0, 0, 0, 1 }) });
        var resourceSpans = new Generated.Otlp.ResourceSpans();
        resourceSpans.ScopeSpans.Add(scope);
        request.ResourceSpans.Add(resourceSpans);

        DecodeError error = TestData.DecodeFails(SpanFormat.OtlpProto, request.ToByteArray());
        Assert.Equal(DecodeErrorKind.InvalidId, error.Kind);
        Assert.Equal("span 1: trace id has 15 bytes, expected 16", error.Reason);
        Assert.True(error.ByteOffset > 0);
    }

    [Theory]
    [InlineData(SpanFormat.OtlpProto)]
    [InlineData(SpanFormat.OtlpJson)]
    [InlineData(SpanFormat.ZipkinProto)]
    [InlineData(SpanFormat.ZipkinJson)]
    public void More_spans_than_the_limit_fail_with_limit_exceeded_naming_the_setting(SpanFormat format)
    {
        byte[] message = SpanEncoders.Encode(format, SampleTrace.Spans())[0];
        DecodeError error = TestData.DecodeFails(format, message, new DecoderOptions { MaxSpansPerMessage = 3 });
        Assert.Equal(DecodeErrorKind.LimitExceeded, error.Kind);
        Assert.Contains("decode.max.spans.per.message", error.Reason);
    }

    [Theory]
    [MemberData(nameof(JsonFormats))]
    public void Deeply_nested_json_fails_with_limit_exceeded_instead_of_overflowing_the_stack(SpanFormat format)
    {
        string deep = new string('[', 100_000) + new string(']', 100_000);
        string json = format switch
        {
            SpanFormat.OtlpJson => $$"""{"unknown":{{deep}},"resourceSpans":[]}""",
            SpanFormat.JaegerJson => $$"""{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE=","logs":{{deep}}}""",
            _ => $$"""[{"traceId":"5af7183fb1d4cf5f","id":"1","annotations":{{deep}}}]""",
        };
        DecodeError error = TestData.DecodeFails(format, Encoding.UTF8.GetBytes(json));
        Assert.Equal(DecodeErrorKind.LimitExceeded, error.Kind);
        Assert.Contains("decode.max.depth", error.Reason);
    }

    [Theory]
    [MemberData(nameof(ProtoFormats))]
    public void Deeply_nested_protobuf_groups_fail_without_overflowing_the_stack(SpanFormat format)
    {
        // Field 15 start-group, 100,000 times: the skipper follows groups iteratively up to a fixed depth.
        byte[] message = Enumerable.Repeat((byte)0x7B, 100_000).ToArray();
        DecodeError error = TestData.DecodeFails(format, message);
        Assert.Equal(DecodeErrorKind.Malformed, error.Kind);
        Assert.Contains("deeper than", error.Reason);
    }

    [Fact]
    public void A_bad_message_between_good_ones_does_not_disturb_them()
    {
        var strings = new StringTable();
        ISpanDecoder decoder = SpanDecoders.Create(SpanFormat.ZipkinJson, strings);
        var batch = new SpanBatch();
        byte[] good = SpanEncoders.Encode(SpanFormat.ZipkinJson, SampleTrace.Spans())[0];
        byte[] bad = [.. good[..^40]];

        Assert.True(decoder.TryDecode(good, batch, out _));
        Assert.False(decoder.TryDecode(bad, batch, out DecodeError? error));
        Assert.NotNull(error);
        Assert.True(decoder.TryDecode(good, batch, out _));

        Assert.Equal(2 * SampleTrace.Spans().Count, batch.Count);
    }
}
