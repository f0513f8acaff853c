using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Tests.Support;

/// <summary>A decoded span with its names resolved: what golden files hold and what cross-format tests compare.</summary>
public sealed record SpanView(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Service,
    string Operation,
    string Kind,
    long StartUnixNanos,
    long DurationNanos,
    bool Error,
    bool StatusSet,
    bool Shared,
    bool NegativeDuration,
    string? Peer,
    string PeerKind)
{
    public static SpanView Of(in Span span, StringTable strings) => new(
        span.TraceId.ToString(),
        span.SpanId.ToString(),
        span.ParentSpanId.IsEmpty ? null : span.ParentSpanId.ToString(),
        strings[span.Service],
        strings[span.Operation],
        span.Kind.ToString(),
        span.StartUnixNanos,
        span.DurationNanos,
        span.IsError,
        (span.Flags & SpanFlags.StatusSet) != 0,
        (span.Flags & SpanFlags.Shared) != 0,
        (span.Flags & SpanFlags.NegativeDuration) != 0,
        span.PeerKind == Formats.Model.PeerKind.None ? null : strings[span.Peer],
        span.PeerKind.ToString());

    public static List<SpanView> All(SpanBatch batch, StringTable strings)
    {
        var views = new List<SpanView>(batch.Count);
        foreach (Span span in batch.Spans) views.Add(Of(span, strings));
        return views;
    }

    /// <summary>Order-independent comparison key (encoders may regroup spans, e.g. OTLP by service).</summary>
    public static List<SpanView> Sorted(IEnumerable<SpanView> views) =>
        views.OrderBy(v => v.TraceId, StringComparer.Ordinal).ThenBy(v => v.SpanId, StringComparer.Ordinal)
            .ThenBy(v => v.Service, StringComparer.Ordinal).ThenBy(v => v.Kind, StringComparer.Ordinal).ToList();
}
