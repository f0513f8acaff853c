using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Features.Tests.Extract.CriticalPath;

/// <summary>
/// A CONSUMER child of a PRODUCER span is off the critical path whatever the wire format: every format carries the
/// kinds (OTLP natively, Jaeger in <c>span.kind</c>, Zipkin in <c>kind</c>), so one logical trace encoded six ways
/// gives one path. web (server) 0 → 100 ms calls publish (producer) 10 → 20 ms; the consumer under it runs 30 → 150 ms
/// with a client call of its own, and a client call to stock runs 40 → 70 ms.
/// </summary>
public class ProducerConsumerCrossFormatTests
{
    private const string TraceId = "1c7d3f1e9a2b4c5d6e7f8091a2b3c4d5";
    private const long T0 = 1_760_000_000_000_000_000;

    private static LogicalSpan S(string id, string? parent, string service, SpanKind kind, long startMs, long durMs) => new()
    {
        TraceId = TraceId, SpanId = id, ParentSpanId = parent, Service = service, Operation = service + " op", Kind = kind,
        StartUnixNanos = T0 + startMs * 1_000_000, DurationNanos = durMs * 1_000_000,
        MessagingSystem = kind is SpanKind.Producer or SpanKind.Consumer ? "kafka" : null,
    };

    private static readonly IReadOnlyList<LogicalSpan> Trace =
    [
        S("c000000000000001", null, "web", SpanKind.Server, 0, 100),
        S("c000000000000002", "c000000000000001", "web", SpanKind.Producer, 10, 10),
        S("c000000000000003", "c000000000000002", "mailer", SpanKind.Consumer, 30, 120),
        S("c000000000000004", "c000000000000003", "mailer", SpanKind.Client, 40, 20),
        S("c000000000000005", "c000000000000001", "web", SpanKind.Client, 40, 30),
    ];

    public static TheoryData<string> Formats() => new(SpanFormatNames.All);

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_consumer_under_a_producer_is_off_the_path_in_every_format(string formatName)
    {
        Assert.True(SpanFormatNames.TryParse(formatName, out var format));
        var strings = new StringTable();
        var decoder = SpanDecoders.Create(format, strings);
        var batch = new SpanBatch();
        foreach (byte[] message in SpanEncoders.Encode(format, Trace))
            Assert.True(decoder.TryDecode(message, batch, out var error), error?.ToString());
        var spans = batch.Spans.ToArray();

        TraceFeatures f = new TraceFeatureExtractor(FeatureConfig.Default).Extract(new Trace(spans[0].TraceId, spans, spans.Length, strings));

        long t0 = f.StartTimeUs;
        Assert.Equal(
            [
                ("c000000000000001", 0L, 10_000L), ("c000000000000002", 10_000L, 20_000L), ("c000000000000001", 20_000L, 40_000L),
                ("c000000000000005", 40_000L, 70_000L), ("c000000000000001", 70_000L, 100_000L),
            ],
            f.CriticalPath.Select(s => (s.SpanId, s.StartUs - t0, s.EndUs - t0)).ToArray());
        Assert.Equal(["web"], f.CriticalPathByService.Keys);
        Assert.Equal(50_000, f.CriticalPathOutsideRootUs); // the consumer runs on until 150 ms
    }
}
