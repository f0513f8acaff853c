using System.Text;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.TestSupport;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;
using StreamAnalytics.Tools.Nezha;

namespace StreamAnalytics.Features.Tests.Extract.ServiceGraph;

/// <summary>
/// Issue 18 part 1, through the production decoders: <c>auto</c> picks the rules of the input format's own tool
/// (Zipkin's linker for Zipkin and Jaeger input, the servicegraph connector plus the parent rule for OTLP), Zipkin's
/// <c>error</c> tag counts by presence, and database nodes named by a bare index read as <c>db.system[index]</c>.
/// Cases restate scenarios of zipkin2's DependencyLinkerTest in data of our own.
/// </summary>
public class AutoByFormatLinkTests
{
    private static List<string> Links(SpanFormat format, IEnumerable<byte[]> messages, LinkSemantics semantics = LinkSemantics.Auto)
    {
        var strings = new StringTable();
        var decoder = SpanDecoders.Create(format, strings);
        var batch = new SpanBatch();
        foreach (byte[] message in messages)
            Assert.True(decoder.TryDecode(message, batch, out var error), error?.ToString());
        Span[] spans = batch.Spans.ToArray();
        var features = new TraceFeatureExtractor(new FeatureConfig { LinkSemantics = semantics })
            .Extract(new Trace(spans[0].TraceId, spans, spans.Length, strings));
        return features.Edges.Select(e => $"{e.Client}->{e.Server} {e.ConnectionType} calls={e.Calls} errors={e.Errors}").ToList();
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    // A root server span in frontend and its client span to an uninstrumented backend (remote endpoint only).
    private const string ZipkinRootAndLeafClient = """
        [{"traceId":"000000000000000a","id":"0000000000000001","kind":"SERVER","name":"get /","timestamp":1700000000000000,"duration":100,
          "localEndpoint":{"serviceName":"frontend"}},
         {"traceId":"000000000000000a","parentId":"0000000000000001","id":"0000000000000002","kind":"CLIENT","name":"get","timestamp":1700000000000010,"duration":50,
          "localEndpoint":{"serviceName":"frontend"},"remoteEndpoint":{"serviceName":"backend"}ERRORTAG}]
        """;

    [Fact]
    public void Zipkin_input_gets_zipkin_links_under_auto_no_virtual_user_client()
    {
        var messages = new[] { Utf8(ZipkinRootAndLeafClient.Replace("ERRORTAG", "", StringComparison.Ordinal)) };
        Assert.Equal(["frontend->backend direct calls=1 errors=0"], Links(SpanFormat.ZipkinJson, messages));
        Assert.Equal(Links(SpanFormat.ZipkinJson, messages, LinkSemantics.Zipkin), Links(SpanFormat.ZipkinJson, messages));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"connection refused\"")]
    public void A_zipkin_error_tag_is_an_error_by_its_presence_even_when_empty(string value)
    {
        // DependencyLinkerTest's client-only error: the tag's value is a message and may be empty.
        var messages = new[] { Utf8(ZipkinRootAndLeafClient.Replace("ERRORTAG", ",\"tags\":{\"error\":" + value + "}", StringComparison.Ordinal)) };
        Assert.Equal(["frontend->backend direct calls=1 errors=1"], Links(SpanFormat.ZipkinJson, messages));
    }

    [Theory]
    [InlineData("jaeger_json")]
    [InlineData("jaeger_proto")]
    public void Jaeger_input_gets_zipkin_s_linker_as_jaeger_s_dependency_job_runs_it(string formatName)
    {
        Assert.True(SpanFormatNames.TryParse(formatName, out var format));
        LogicalSpan[] spans =
        [
            new() { TraceId = "0000000000000000000000000000000b", SpanId = "0000000000000001", Service = "frontend", Operation = "GET /",
                Kind = Formats.Model.SpanKind.Server, StartUnixNanos = 1_700_000_000_000_000_000, DurationNanos = 100_000 },
            new() { TraceId = "0000000000000000000000000000000b", SpanId = "0000000000000002", ParentSpanId = "0000000000000001", Service = "frontend",
                Operation = "GET", Kind = Formats.Model.SpanKind.Client, PeerService = "backend",
                StartUnixNanos = 1_700_000_000_000_010_000, DurationNanos = 50_000 },
        ];
        var messages = SpanEncoders.Encode(format, spans);
        Assert.Equal(["frontend->backend direct calls=1 errors=0"], Links(format, messages));
        // The OpenTelemetry rules would add user->frontend and make the leaf call virtual.
        Assert.Contains("user->frontend virtual calls=1 errors=0", Links(format, messages, LinkSemantics.OpenTelemetry));
    }

    [Fact]
    public void A_redis_index_as_db_name_names_the_node_by_db_system_keeping_the_index()
    {
        LogicalSpan[] spans =
        [
            new() { TraceId = "0000000000000000000000000000000c", SpanId = "0000000000000001", Service = "cart", Operation = "GetCart",
                Kind = Formats.Model.SpanKind.Server, StartUnixNanos = 1_700_000_000_000_000_000, DurationNanos = 100_000 },
            new() { TraceId = "0000000000000000000000000000000c", SpanId = "0000000000000002", ParentSpanId = "0000000000000001", Service = "cart",
                Operation = "HGET", Kind = Formats.Model.SpanKind.Client, DbSystem = "redis", DbName = "0",
                StartUnixNanos = 1_700_000_000_000_010_000, DurationNanos = 50_000 },
            new() { TraceId = "0000000000000000000000000000000c", SpanId = "0000000000000003", ParentSpanId = "0000000000000001", Service = "cart",
                Operation = "SELECT", Kind = Formats.Model.SpanKind.Client, DbSystem = "postgresql", DbName = "orders",
                StartUnixNanos = 1_700_000_000_000_020_000, DurationNanos = 50_000 },
        ];
        var links = Links(SpanFormat.OtlpProto, SpanEncoders.Encode(SpanFormat.OtlpProto, spans));
        Assert.Contains("cart->redis[0] database calls=1 errors=0", links);
        Assert.Contains("cart->orders database calls=1 errors=0", links); // a real name stays
        Assert.DoesNotContain(links, l => l.StartsWith("cart->0 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Real_online_boutique_traces_with_internal_kinds_keep_every_cross_service_edge_under_auto()
    {
        string csv = RepositoryFiles.Find(Path.Combine("..", "shared", "data", "nezha", "onlineboutique_2022-08-23_17_00_trace.csv"));
        var byTrace = NezhaCsvReader.Read(csv)
            .Select(s => new LogicalSpan
            {
                TraceId = s.TraceId, SpanId = s.SpanId, ParentSpanId = s.ParentSpanId, Service = s.Service, Operation = s.Operation,
                Kind = Formats.Model.SpanKind.Internal, StartUnixNanos = s.StartUnixNanos, DurationNanos = s.DurationNanos,
            })
            .GroupBy(s => s.TraceId)
            .ToList();
        Assert.Equal(502, byTrace.Count);
        int tracesWithPairs = 0;
        foreach (var trace in byTrace)
        {
            var spans = trace.ToList();
            var serviceOf = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First().Service);
            // Expected: each cross-service parent/child pair of the CSV, as parent service -> child service.
            var expected = spans
                .Where(s => s.ParentSpanId is { } p && serviceOf.TryGetValue(p, out var ps) && ps != s.Service)
                .Select(s => $"{serviceOf[s.ParentSpanId!]}->{s.Service}")
                .Distinct().Order(StringComparer.Ordinal).ToList();
            if (expected.Count > 0) tracesWithPairs++;
            var actual = Links(SpanFormat.OtlpProto, SpanEncoders.Encode(SpanFormat.OtlpProto, spans))
                .Select(l => l[..l.IndexOf(' ', StringComparison.Ordinal)])
                .Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, actual);
        }
        Assert.True(tracesWithPairs > 400, $"only {tracesWithPairs} traces have cross-service pairs");
    }
}
