using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// A complete (or completed-by-policy) trace: the spans of one trace id, in arrival order, handed to the extractors.
/// </summary>
/// <remarks>Owned by whoever completed it; extractors only read it and must not keep a reference after they return.</remarks>
public sealed class Trace
{
    public Trace(TraceId traceId, Span[] spans, int count, StringTable strings)
    {
        if ((uint)count > (uint)spans.Length) throw new ArgumentOutOfRangeException(nameof(count));
        TraceId = traceId;
        SpanArray = spans;
        Count = count;
        Strings = strings;
    }

    public TraceId TraceId { get; }

    /// <summary>Backing array; only the first <see cref="Count"/> entries are spans of this trace.</summary>
    public Span[] SpanArray { get; }

    public int Count { get; }

    public ReadOnlySpan<Span> Spans => SpanArray.AsSpan(0, Count);

    /// <summary>The table that resolves the span's interned names.</summary>
    public StringTable Strings { get; }

    /// <summary>True when spans beyond <c>assembly.max.spans.per.trace</c> were dropped.</summary>
    public bool Truncated { get; init; }

    /// <summary>Spans dropped because of the per-trace cap.</summary>
    public int DroppedSpans { get; init; }

    /// <summary>0 for the first emission; 1, 2, … for follow-up revisions caused by late spans.</summary>
    public int Revision { get; init; }

    /// <summary>Why the assembler considered the trace complete.</summary>
    public CompletionReason Reason { get; init; } = CompletionReason.EndOfInput;
}
