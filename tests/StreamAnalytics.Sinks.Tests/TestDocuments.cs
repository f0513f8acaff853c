using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Sinks.Tests;

/// <summary>Hand-built traces, features and aggregate documents (the extractor is not involved).</summary>
internal static class TestDocuments
{
    public const long T0Ms = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    public static readonly StringTable Strings = new(1000);

    public static TraceFeatures Features(ulong id, int revision = 0, bool rootError = false, long startMs = T0Ms) => new()
    {
        TraceId = new TraceId(0, id).ToString(),
        Revision = revision,
        CompletionReason = "gap",
        StartTimeUs = startMs * 1000,
        DurationUs = 120_000,
        SpanCount = 3,
        ServiceCount = 2,
        ErrorCount = rootError ? 2 : 1,
        RootService = "frontend",
        RootOperation = "GET /checkout",
        RootError = rootError,
        Depth = 3,
        SpanCounts = { ["frontend::GET /checkout"] = 1, ["checkout::POST /pay"] = 1, ["checkout::query"] = 1 },
        Edges =
        {
            new Edge { Client = "frontend", Server = "checkout", ConnectionType = "direct", Calls = 1, TotalDurationUs = 80_000, DurationsUs = { 80_000 } },
            new Edge { Client = "checkout", Server = "postgres", ConnectionType = "database", Calls = 1, Errors = 1, TotalDurationUs = 30_000, DurationsUs = { 30_000 } },
        },
        ServicePaths = { ["frontend>checkout"] = 1 },
    };

    public static Trace TraceOf(TraceFeatures f)
    {
        TraceId.TryParseHex(f.TraceId, out var id);
        long start = f.StartTimeUs * 1000;
        Span[] spans =
        [
            NewSpan(id, 1, 0, start, f.DurationUs * 1000, "frontend", "GET /checkout", SpanKind.Server, f.RootError),
            NewSpan(id, 2, 1, start + 1_000_000, 80_000_000, "checkout", "POST /pay", SpanKind.Server, false),
            NewSpan(id, 3, 2, start + 2_000_000, 30_000_000, "checkout", "query", SpanKind.Client, true),
        ];
        return new Trace(id, spans, spans.Length, Strings) { Revision = f.Revision };
    }

    public static IReadOnlyList<AggregateDocument> Aggregates(int partition = 0)
    {
        var aggregator = new WindowedAggregator(new AggregateConfig(), partition);
        var f = Features(1);
        aggregator.Add(TraceOf(f), f);
        return aggregator.FlushAll();
    }

    private static Span NewSpan(TraceId traceId, ulong id, ulong parent, long startNs, long durationNs, string service, string operation, SpanKind kind, bool error) => new()
    {
        TraceId = traceId,
        SpanId = new SpanId(id),
        ParentSpanId = new SpanId(parent),
        StartUnixNanos = startNs,
        DurationNanos = durationNs,
        Service = Strings.Intern(service),
        Operation = Strings.Intern(operation),
        Kind = kind,
        Flags = error ? SpanFlags.Error | SpanFlags.StatusSet : SpanFlags.None,
    };
}
