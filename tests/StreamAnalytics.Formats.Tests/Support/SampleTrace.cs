using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Formats.Tests.Support;

/// <summary>A hand-built trace that exercises every kind Zipkin can carry, every error source and every peer kind.</summary>
internal static class SampleTrace
{
    public const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const long T0 = 1_700_000_000_000_000_000; // whole microseconds, so Zipkin loses nothing

    public static List<LogicalSpan> Spans() =>
    [
        Span("0000000000000001", null, "frontend", "GET /", SpanKind.Server, 0, 900, http: 200),
        Span("0000000000000002", "0000000000000001", "frontend", "GET cart", SpanKind.Client, 10, 300, error: true, http: 503, peerService: "cart"),
        Span("0000000000000003", "0000000000000002", "cart", "GET cart", SpanKind.Server, 20, 250, http: 500),
        Span("0000000000000004", "0000000000000003", "cart", "redis GET", SpanKind.Client, 30, 40, dbSystem: "redis"),
        Span("0000000000000005", "0000000000000003", "cart", "SELECT items", SpanKind.Client, 80, 40, dbSystem: "postgresql", dbName: "items"),
        Span("0000000000000006", "0000000000000001", "frontend", "orders publish", SpanKind.Producer, 320, 5, messaging: "kafka"),
        Span("0000000000000007", "0000000000000006", "shipping", "orders process", SpanKind.Consumer, 400, 100),
        Span("0000000000000008", "0000000000000001", "frontend", "charge", SpanKind.Client, 500, 200, remoteService: "payment-gateway"),
        Span("0000000000000009", "0000000000000001", "frontend", "GET ads", SpanKind.Client, 710, 100, serverAddress: "ads.example.com"),
        Span("000000000000000a", "0000000000000001", "frontend", "render", SpanKind.Unspecified, 820, 50),
        Span("00000000000000ab", "0000000000000001", "frontend", "GET recommendations", SpanKind.Client, 830, 60,
            peerService: "recommendation", serverAddress: "10.0.0.7", http: 404),
    ];

    private static LogicalSpan Span(string id, string? parent, string service, string operation, SpanKind kind, long startUs, long durationUs,
        bool error = false, int http = 0, string? peerService = null, string? dbSystem = null, string? dbName = null,
        string? messaging = null, string? remoteService = null, string? serverAddress = null) => new()
    {
        TraceId = TraceId,
        SpanId = id,
        ParentSpanId = parent,
        Service = service,
        Operation = operation,
        Kind = kind,
        StartUnixNanos = T0 + startUs * 1000,
        DurationNanos = durationUs * 1000,
        Error = error,
        HttpStatusCode = http,
        PeerService = peerService,
        DbSystem = dbSystem,
        DbName = dbName,
        MessagingSystem = messaging,
        RemoteServiceName = remoteService,
        ServerAddress = serverAddress,
    };

    /// <summary>What every format must decode the sample to, written out by hand from the mapping rules.</summary>
    public static List<SpanView> Expected()
    {
        const string t = TraceId;
        static long At(long us) => T0 + us * 1000;
        return
        [
            new(t, "0000000000000001", null, "frontend", "GET /", "Server", At(0), 900_000, false, false, false, false, null, "None"),
            new(t, "0000000000000002", "0000000000000001", "frontend", "GET cart", "Client", At(10), 300_000, true, true, false, false, "cart", "Service"),
            new(t, "0000000000000003", "0000000000000002", "cart", "GET cart", "Server", At(20), 250_000, true, false, false, false, null, "None"),
            new(t, "0000000000000004", "0000000000000003", "cart", "redis GET", "Client", At(30), 40_000, false, false, false, false, "redis", "Database"),
            new(t, "0000000000000005", "0000000000000003", "cart", "SELECT items", "Client", At(80), 40_000, false, false, false, false, "items", "Database"),
            new(t, "0000000000000006", "0000000000000001", "frontend", "orders publish", "Producer", At(320), 5_000, false, false, false, false, "kafka", "Messaging"),
            new(t, "0000000000000007", "0000000000000006", "shipping", "orders process", "Consumer", At(400), 100_000, false, false, false, false, null, "None"),
            new(t, "0000000000000008", "0000000000000001", "frontend", "charge", "Client", At(500), 200_000, false, false, false, false, "payment-gateway", "Service"),
            new(t, "0000000000000009", "0000000000000001", "frontend", "GET ads", "Client", At(710), 100_000, false, false, false, false, "ads.example.com", "Address"),
            new(t, "000000000000000a", "0000000000000001", "frontend", "render", "Unspecified", At(820), 50_000, false, false, false, false, null, "None"),
            new(t, "00000000000000ab", "0000000000000001", "frontend", "GET recommendations", "Client", At(830), 60_000, false, false, false, false, "recommendation", "Service"),
        ];
    }
}
