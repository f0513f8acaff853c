using StreamAnalytics.Formats.Model;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// The spans of one trace between decoding and assembly (the value of a <c>spans-by-trace</c> record): either spans
/// lent by the decode processor, while the record stays inside the task (input keyed by trace id: decode feeds the
/// assembler directly), or <see cref="SpanCodec"/> bytes, once the record has crossed the repartition topic.
/// </summary>
/// <remarks>
/// <para>Why two forms: with one span per message (Jaeger, keyed) the assembler used to get SpanCodec bytes too, so each
/// input record paid an encode, a copy, a decode and the interning of every name again without ever leaving the task
/// (about a tenth of the stream thread in the book-job profile, issue 21). Lent spans skip all of it; the repartition
/// sink (<see cref="SpanGroupSerializer"/>) encodes them once, straight into the produced value.</para>
/// <para>Lent spans are valid only while the forward that carries them runs: the decode processor reuses its buffers for
/// the next group. The nodes that receive them consume them inside the call (the assembler copies them into its
/// store, the sink encodes them); a processor must not keep a lent group.</para>
/// </remarks>
public readonly struct SpanGroup
{
    private readonly ReadOnlyMemory<ModelSpan> _spans;

    private SpanGroup(ReadOnlyMemory<ModelSpan> spans, StringTable? strings, ReadOnlyMemory<byte> encoded)
    {
        _spans = spans;
        Strings = strings;
        Encoded = encoded;
    }

    /// <summary>Spans lent for the duration of one forward; their name ids belong to <paramref name="strings"/>.</summary>
    public static SpanGroup Lend(ReadOnlyMemory<ModelSpan> spans, StringTable strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        return new SpanGroup(spans, strings, default);
    }

    /// <summary>A group in <see cref="SpanCodec"/> bytes (read from the repartition topic); empty bytes mean a null value.</summary>
    public static SpanGroup FromEncoded(ReadOnlyMemory<byte> bytes) => new(default, null, bytes);

    /// <summary>True when the group holds lent, decoded spans (<see cref="Spans"/>, <see cref="Strings"/>).</summary>
    public bool IsDecoded => Strings is not null;

    /// <summary>The lent spans (empty for an encoded group).</summary>
    public ReadOnlySpan<ModelSpan> Spans => _spans.Span;

    /// <summary>The table of the lent spans' name ids; null for an encoded group.</summary>
    public StringTable? Strings { get; }

    /// <summary>The SpanCodec bytes of an encoded group (empty for a lent one).</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>An encoded group without bytes (a null record value).</summary>
    public bool IsEmpty => !IsDecoded && Encoded.IsEmpty;
}
