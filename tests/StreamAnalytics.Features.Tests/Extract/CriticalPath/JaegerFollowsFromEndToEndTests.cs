using System.Buffers;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools.Generated.Jaeger;
using JaegerSpan = StreamAnalytics.Tools.Generated.Jaeger.Span;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Tests.Extract.CriticalPath;

/// <summary>
/// A Jaeger FOLLOWS_FROM child stays off the critical path from the wire on: the decoder flags it, the flag survives
/// the repartition codec, and extraction leaves the child and its subtree out. The same trace in JSON and protobuf:
/// order (root) 0 → 100 µs, with a CHILD_OF call to payment 10 → 40 and a FOLLOWS_FROM notify 50 → 150 that has a
/// CHILD_OF child smtp 60 → 140.
/// </summary>
public class JaegerFollowsFromEndToEndTests
{
    private const string TraceHex = "5b8efff798038103d269b633813fc60c";
    private const string Root = "00000000000000a1";
    private const string Payment = "00000000000000b2";
    private const string Notify = "00000000000000c3";
    private const string Smtp = "00000000000000d4";

    private static readonly (string Span, long Start, long End)[] ExpectedPath =
    [
        (Root, 0, 10), (Payment, 10, 40), (Root, 40, 100),
    ];

    private static string JsonSpan(string id, string? parent, string refType, string service, int startUs, int durationUs)
    {
        string refTypeField = refType == "" ? "" : ",\"refType\":\"" + refType + "\"";
        string references = parent is null ? "[]" : "[{\"traceId\":\"" + TraceHex + "\",\"spanId\":\"" + parent + "\"" + refTypeField + "}]";
        return "{\"traceId\":\"" + TraceHex + "\",\"spanId\":\"" + id + "\",\"operationName\":\"" + service + " op\","
            + "\"references\":" + references + ","
            + "\"startTime\":\"2026-03-01T12:00:00." + startUs.ToString("D6", CultureInfo.InvariantCulture) + "Z\","
            + "\"duration\":\"" + durationUs.ToString(CultureInfo.InvariantCulture) + "us\","
            + "\"process\":{\"serviceName\":\"" + service + "\"}}";
    }

    private static JaegerSpan ProtoSpan(string id, string? parent, SpanRefType refType, string service, int startUs, int durationUs)
    {
        var span = new JaegerSpan
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(TraceHex)),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(id)),
            OperationName = service + " op",
            StartTime = new Timestamp { Seconds = 1_772_366_400, Nanos = startUs * 1000 },
            Duration = new Duration { Nanos = durationUs * 1000 },
            Process = new Process { ServiceName = service },
        };
        if (parent is not null)
        {
            span.References.Add(new SpanRef
            {
                TraceId = span.TraceId, SpanId = ByteString.CopyFrom(Convert.FromHexString(parent)), RefType = refType,
            });
        }
        return span;
    }

    /// <summary>Decodes the messages, sends the spans through the repartition codec, and extracts the trace.</summary>
    private static (TraceFeatures Features, ModelSpan[] Spans, StringTable Strings) Run(SpanFormat format, IEnumerable<byte[]> messages)
    {
        var decoded = new StringTable();
        var decoder = SpanDecoders.Create(format, decoded);
        var batch = new SpanBatch();
        foreach (byte[] message in messages) Assert.True(decoder.TryDecode(message, batch, out var error), error?.ToString());

        var codec = new SpanCodec();
        var record = new ArrayBufferWriter<byte>();
        codec.Encode(batch.Spans, decoded, record);
        var assembled = new StringTable();
        var repartitioned = new SpanBatch();
        Assert.True(codec.TryDecode(record.WrittenSpan, assembled, repartitioned, out var codecError), codecError.ToString());

        ModelSpan[] spans = repartitioned.Spans.ToArray();
        var trace = new Trace(spans[0].TraceId, spans, spans.Length, assembled);
        return (new TraceFeatureExtractor(FeatureConfig.Default).Extract(trace), spans, assembled);
    }

    private static void AssertFollowsFromChildIsOffThePath((TraceFeatures Features, ModelSpan[] Spans, StringTable Strings) run)
    {
        foreach (ModelSpan s in run.Spans)
        {
            bool followsFrom = (s.Flags & SpanFlags.FollowsFrom) != 0;
            Assert.Equal(s.SpanId.ToString() == Notify, followsFrom);
        }
        TraceFeatures f = run.Features;
        long t0 = f.StartTimeUs;
        Assert.Equal(ExpectedPath, f.CriticalPath.Select(s => (s.SpanId, s.StartUs - t0, s.EndUs - t0)).ToArray());
        Assert.Equal(["order", "payment"], f.CriticalPathByService.Keys);
        Assert.Equal(50, f.CriticalPathOutsideRootUs); // notify runs on until 150
    }

    [Fact]
    public void Jaeger_json_a_follows_from_child_and_its_subtree_are_off_the_critical_path()
    {
        string[] spans =
        [
            JsonSpan(Root, null, "", "order", 0, 100),
            JsonSpan(Payment, Root, "", "payment", 10, 30),            // refType omitted: CHILD_OF
            JsonSpan(Notify, Root, "FOLLOWS_FROM", "notify", 50, 100),
            JsonSpan(Smtp, Notify, "CHILD_OF", "smtp", 60, 80),
        ];

        AssertFollowsFromChildIsOffThePath(Run(SpanFormat.JaegerJson, spans.Select(Encoding.UTF8.GetBytes)));
    }

    [Fact]
    public void Jaeger_protobuf_a_follows_from_child_and_its_subtree_are_off_the_critical_path()
    {
        JaegerSpan[] spans =
        [
            ProtoSpan(Root, null, SpanRefType.ChildOf, "order", 0, 100),
            ProtoSpan(Payment, Root, SpanRefType.ChildOf, "payment", 10, 30),
            ProtoSpan(Notify, Root, SpanRefType.FollowsFrom, "notify", 50, 100),
            ProtoSpan(Smtp, Notify, SpanRefType.ChildOf, "smtp", 60, 80),
        ];

        AssertFollowsFromChildIsOffThePath(Run(SpanFormat.JaegerProto, spans.Select(s => s.ToByteArray())));
    }
}
