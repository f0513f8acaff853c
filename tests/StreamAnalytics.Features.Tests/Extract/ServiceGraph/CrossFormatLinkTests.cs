using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Features.Tests.Extract.ServiceGraph;

/// <summary>
/// One logical trace written in every wire format must give the same links, under every semantics, wherever the formats
/// carry the same information (issue 9): kinds, errors, peers, databases and messaging survive all six encodings.
/// </summary>
public class CrossFormatLinkTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const long T0 = 1_700_000_000_000_000_000;

    private static LogicalSpan S(string id, string? parent, string service, string op, SpanKind kind, long startMs, long durMs,
        bool error = false, string? peer = null, string? db = null, string? dbName = null, string? messaging = null, int http = 0) => new()
    {
        TraceId = TraceId, SpanId = id, ParentSpanId = parent, Service = service, Operation = op, Kind = kind,
        StartUnixNanos = T0 + startMs * 1_000_000, DurationNanos = durMs * 1_000_000, Error = error,
        PeerService = peer, DbSystem = db, DbName = dbName, MessagingSystem = messaging, HttpStatusCode = http,
    };

    // user → gateway(server) → gateway client → checkout(server) → postgres (db client, no child)
    //                                         → checkout producer → kafka → email consumer
    //                        → gateway client → payment (uninstrumented: leaf client with peer.service), failed
    private static readonly IReadOnlyList<LogicalSpan> Trace =
    [
        S("a000000000000001", null, "gateway", "POST /checkout", SpanKind.Server, 0, 100, http: 200),
        S("a000000000000002", "a000000000000001", "gateway", "Checkout", SpanKind.Client, 5, 60, peer: "checkout"),
        S("a000000000000003", "a000000000000002", "checkout", "Checkout", SpanKind.Server, 6, 58),
        S("a000000000000004", "a000000000000003", "checkout", "INSERT orders", SpanKind.Client, 10, 8, db: "postgresql", dbName: "orders"),
        S("a000000000000005", "a000000000000003", "checkout", "publish order", SpanKind.Producer, 20, 2, messaging: "kafka"),
        S("a000000000000006", "a000000000000005", "email", "consume order", SpanKind.Consumer, 30, 5, messaging: "kafka"),
        S("a000000000000007", "a000000000000001", "gateway", "Charge", SpanKind.Client, 70, 20, error: true, peer: "payment"),
    ];

    private static List<string> Links(SpanFormat format, LinkSemantics semantics)
    {
        var strings = new StringTable();
        var decoder = SpanDecoders.Create(format, strings);
        var batch = new SpanBatch();
        foreach (byte[] message in SpanEncoders.Encode(format, Trace))
            Assert.True(decoder.TryDecode(message, batch, out var error), error?.ToString());
        var spans = batch.Spans.ToArray();
        var trace = new Trace(spans[0].TraceId, spans, spans.Length, strings);
        var features = new TraceFeatureExtractor(new FeatureConfig { LinkSemantics = semantics }).Extract(trace);
        return features.Edges.Select(e => $"{e.Client}->{e.Server} {e.ConnectionType} calls={e.Calls} errors={e.Errors}").Order().ToList();
    }

    public static TheoryData<string, LinkSemantics> Cases()
    {
        var data = new TheoryData<string, LinkSemantics>();
        foreach (string format in SpanFormatNames.All)
            foreach (var semantics in new[] { LinkSemantics.Parent, LinkSemantics.OpenTelemetry, LinkSemantics.Zipkin, LinkSemantics.Auto })
                data.Add(format, semantics);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_format_gives_the_links_of_the_OTLP_encoding(string formatName, LinkSemantics semantics)
    {
        Assert.True(SpanFormatNames.TryParse(formatName, out var format));
        if (semantics == LinkSemantics.Auto)
        {
            // Issue 18: auto follows the input format's own tool, so it equals that format's explicit rule set
            // (Zipkin's linker for Zipkin and Jaeger input, the servicegraph connector for OTLP), not one answer for all.
            var expected = format is SpanFormat.OtlpProto or SpanFormat.OtlpJson ? LinkSemantics.OpenTelemetry : LinkSemantics.Zipkin;
            Assert.Equal(Links(format, expected), Links(format, semantics));
            return;
        }
        Assert.Equal(Links(SpanFormat.OtlpProto, semantics), Links(format, semantics));
    }

    [Fact]
    public void OpenTelemetry_semantics_give_the_connector_s_edges_for_this_trace()
    {
        Assert.Equal(
        [
            "checkout->email messaging calls=1 errors=0",
            "checkout->orders database calls=1 errors=0",
            "gateway->checkout direct calls=1 errors=0",
            "gateway->payment virtual calls=1 errors=1",
            "user->gateway virtual calls=1 errors=0",
        ], Links(SpanFormat.OtlpJson, LinkSemantics.OpenTelemetry));
    }
}
