using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Features.Tests.Aggregate;

/// <summary>Hand-built traces and features (the extractor is not used, so these tests pin only the aggregation).</summary>
internal static class AggregateTestTraces
{
    public static readonly StringTable Strings = new(1000);

    /// <summary>
    /// frontend GET /checkout (server, root) → checkout POST /pay (server) → db query (client); the features are
    /// filled by hand to match.
    /// </summary>
    public static (Trace Trace, TraceFeatures Features) Checkout(ulong id, long startMs, bool rootError = false, int revision = 0, long durationMs = 120)
    {
        long startNs = startMs * 1_000_000;
        var traceId = new TraceId(0, id);
        Span[] spans =
        [
            NewSpan(traceId, 1, 0, startNs, durationMs * 1_000_000, "frontend", "GET /checkout", SpanKind.Server, rootError),
            NewSpan(traceId, 2, 1, startNs + 1_000_000, 80_000_000, "checkout", "POST /pay", SpanKind.Server, false),
            NewSpan(traceId, 3, 2, startNs + 2_000_000, 30_000_000, "checkout", "query", SpanKind.Client, true),
        ];
        var trace = new Trace(traceId, spans, spans.Length, Strings) { Revision = revision };
        var features = new TraceFeatures
        {
            TraceId = traceId.ToString(),
            Revision = revision,
            StartTimeUs = startMs * 1000,
            DurationUs = durationMs * 1000,
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
        return (trace, features);
    }

    /// <summary>A one-span trace of <paramref name="service"/>/<paramref name="operation"/>.</summary>
    public static (Trace Trace, TraceFeatures Features) Single(ulong id, long startMs, string service, string operation, long durationUs = 1000)
    {
        var traceId = new TraceId(0, id);
        Span[] spans = [NewSpan(traceId, 1, 0, startMs * 1_000_000, durationUs * 1000, service, operation, SpanKind.Server, false)];
        var features = new TraceFeatures
        {
            TraceId = traceId.ToString(),
            StartTimeUs = startMs * 1000,
            DurationUs = durationUs,
            SpanCount = 1,
            ServiceCount = 1,
            RootService = service,
            RootOperation = operation,
            Depth = 1,
            SpanCounts = { [service + "::" + operation] = 1 },
            ServicePaths = { [service] = 1 },
        };
        return (new Trace(traceId, spans, 1, Strings), features);
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

/// <summary>A changelog that records what was appended, standing in for the Kafka changelog topic.</summary>
internal sealed class FakeChangelog : IChangelog
{
    public List<(byte[] Key, byte[]? Value)> Records { get; } = [];

    public string? Topic => "app-trace-aggregates-changelog";

    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Records.Add((key.ToArray(), value.ToArray()));

    public void AppendTombstone(ReadOnlySpan<byte> key) => Records.Add((key.ToArray(), null));

    public void ReplayInto(StateRestoreCallback restore)
    {
        foreach (var (key, value) in Records) restore(key, value, value is null);
    }
}
