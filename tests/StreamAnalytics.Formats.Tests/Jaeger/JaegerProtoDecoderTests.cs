using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools.Generated.Jaeger;
using JaegerSpan = StreamAnalytics.Tools.Generated.Jaeger.Span;
using Generated = StreamAnalytics.Tools.Generated;

namespace StreamAnalytics.Formats.Tests.Jaeger;

public class JaegerProtoDecoderTests
{
    private static readonly byte[] Trace = Convert.FromHexString("0af7651916cd43dd8448eb211c80319c");
    private static readonly byte[] OtherTrace = Convert.FromHexString("abcdefabcdefabcdefabcdefabcdefab");

    private static ByteString Id(string hex) => ByteString.CopyFrom(Convert.FromHexString(hex));

    private static JaegerSpan BaseSpan() => new()
    {
        TraceId = ByteString.CopyFrom(Trace),
        SpanId = Id("2222222222222222"),
        OperationName = "consume orders",
        StartTime = new Timestamp { Seconds = 1521565661, Nanos = 5 },
        Duration = new Duration { Seconds = 1, Nanos = 500 },
        Process = new Process { ServiceName = "worker", Tags = { new KeyValue { Key = "hostname", VStr = "h1" } } },
    };

    [Fact]
    public void A_span_decodes_times_service_kind_error_and_peer_from_tags()
    {
        JaegerSpan span = BaseSpan();
        span.Tags.Add(new KeyValue { Key = "span.kind", VStr = "producer" });
        span.Tags.Add(new KeyValue { Key = "error", VType = Generated.Jaeger.ValueType.Bool, VBool = true });
        span.Tags.Add(new KeyValue { Key = "messaging.destination.name", VStr = "orders" });
        span.Tags.Add(new KeyValue { Key = "http.status_code", VType = Generated.Jaeger.ValueType.Int64, VInt64 = 200 });

        SpanView view = Assert.Single(TestData.Decode(SpanFormat.JaegerProto, span.ToByteArray()));
        Assert.Equal(new SpanView("0af7651916cd43dd8448eb211c80319c", "2222222222222222", null, "worker", "consume orders", "Producer",
            1521565661_000000005, 1_000000500, true, false, false, false, "orders", "Messaging"), view);
    }

    [Fact]
    public void The_parent_is_the_first_child_of_reference_in_the_same_trace()
    {
        JaegerSpan span = BaseSpan();
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(OtherTrace), SpanId = Id("1111111111111111") });
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(Trace), SpanId = Id("3333333333333333"), RefType = SpanRefType.FollowsFrom });
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(Trace), SpanId = Id("4444444444444444") });
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(Trace), SpanId = Id("5555555555555555") });
        Assert.Equal("4444444444444444", Assert.Single(TestData.Decode(SpanFormat.JaegerProto, span.ToByteArray())).ParentSpanId);
    }

    [Fact]
    public void Without_a_child_of_reference_the_first_reference_in_the_trace_is_the_parent()
    {
        JaegerSpan span = BaseSpan();
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(OtherTrace), SpanId = Id("1111111111111111") });
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(Trace), SpanId = Id("3333333333333333"), RefType = SpanRefType.FollowsFrom });
        Assert.Equal("3333333333333333", Assert.Single(TestData.Decode(SpanFormat.JaegerProto, span.ToByteArray())).ParentSpanId);
    }

    [Fact]
    public void References_written_before_the_trace_id_are_still_matched_against_it()
    {
        var reference = new SpanRef { TraceId = ByteString.CopyFrom(Trace), SpanId = Id("4444444444444444") };
        JaegerSpan rest = BaseSpan();
        // Field order on the wire is not guaranteed: put the reference (field 4) first.
        byte[] message = [0x22, (byte)reference.CalculateSize(), .. reference.ToByteArray(), .. rest.ToByteArray()];
        Assert.Equal("4444444444444444", Assert.Single(TestData.Decode(SpanFormat.JaegerProto, message)).ParentSpanId);
    }

    private static SpanFlags FlagsOf(JaegerSpan span)
    {
        var batch = new SpanBatch();
        Assert.True(SpanDecoders.Create(SpanFormat.JaegerProto, new StringTable()).TryDecode(span.ToByteArray(), batch, out var error), error?.ToString());
        return Assert.Single(batch.Spans.ToArray()).Flags;
    }

    [Fact]
    public void A_parent_taken_from_a_follows_from_reference_is_flagged_follows_from()
    {
        JaegerSpan span = BaseSpan();
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(OtherTrace), SpanId = Id("1111111111111111") });
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(Trace), SpanId = Id("3333333333333333"), RefType = SpanRefType.FollowsFrom });

        Assert.Equal(SpanFlags.FollowsFrom | SpanFlags.SourceJaeger, FlagsOf(span));
    }

    [Fact]
    public void A_child_of_reference_wins_and_leaves_the_span_unflagged()
    {
        JaegerSpan span = BaseSpan();
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(Trace), SpanId = Id("3333333333333333"), RefType = SpanRefType.FollowsFrom });
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(Trace), SpanId = Id("4444444444444444") });

        Assert.Equal(SpanFlags.SourceJaeger, FlagsOf(span));
        Assert.Equal(SpanFlags.SourceJaeger, FlagsOf(BaseSpan())); // no references at all: a root
    }

    [Fact]
    public void A_follows_from_reference_into_another_trace_is_no_parent_and_no_flag()
    {
        JaegerSpan span = BaseSpan();
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(OtherTrace), SpanId = Id("3333333333333333"), RefType = SpanRefType.FollowsFrom });

        Assert.Equal(SpanFlags.SourceJaeger, FlagsOf(span));
    }

    [Fact]
    public void References_only_to_other_traces_leave_the_span_a_root()
    {
        JaegerSpan span = BaseSpan();
        span.References.Add(new SpanRef { TraceId = ByteString.CopyFrom(OtherTrace), SpanId = Id("1111111111111111") });
        Assert.Null(Assert.Single(TestData.Decode(SpanFormat.JaegerProto, span.ToByteArray())).ParentSpanId);
    }

    [Fact]
    public void A_negative_duration_is_clamped_and_flagged()
    {
        JaegerSpan span = BaseSpan();
        span.Duration = new Duration { Seconds = -1 };
        SpanView view = Assert.Single(TestData.Decode(SpanFormat.JaegerProto, span.ToByteArray()));
        Assert.Equal(0, view.DurationNanos);
        Assert.True(view.NegativeDuration);
    }

    [Fact]
    public void A_missing_span_id_fails_with_invalid_id()
    {
        JaegerSpan span = BaseSpan();
        span.SpanId = ByteString.Empty;
        DecodeError error = TestData.DecodeFails(SpanFormat.JaegerProto, span.ToByteArray());
        Assert.Equal(DecodeErrorKind.InvalidId, error.Kind);
        Assert.Equal("span 0: span id is missing", error.Reason);
    }
}
