using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// Steps 1–2 of the trace topology: decodes a raw span message of the configured <see cref="SpanFormat"/>, splits it
/// per trace and forwards one record per trace (key = trace id, value = the group's spans, lent as a
/// <see cref="SpanGroup"/> for the duration of the forward), keeping the source record's timestamp. Its child is the repartition sink (<c>{app}-spans-by-trace-repartition</c>) for batch
/// formats, or the assembler directly when the source is already keyed by trace id.
/// </summary>
/// <remarks>
/// A message that does not decode goes whole to the dead-letter topic with the decoder's reason (format, kind, byte
/// offset) and is counted in <c>trace_analytics_decode_errors_total{format,kind}</c>; so does one that decodes to no spans (kind
/// <c>NoSpans</c>), so nothing leaves the source without features or a reason. The partition keeps going. Runs on the
/// task's thread.
/// </remarks>
public sealed class SpanDecodeProcessor : IProcessor<byte[]?, byte[]?, TraceId, SpanGroup>
{
    /// <summary>Decode-error kind of a well-formed message that holds no spans.</summary>
    public const string NoSpansKind = "NoSpans";

    /// <summary>Dead-letter reason of a well-formed message that holds no spans.</summary>
    public const string NoSpansReason = "the message decoded to no spans (an empty batch, or another format on this topic)";

    private readonly ISpanDecoder _decoder;
    private readonly StringTable _strings;
    private readonly SpanBatch _batch = new(256);
    private readonly TraceSplitter _splitter;
    private readonly DecodeMetrics.Tally _tally;
    private IProcessorContext<TraceId, SpanGroup>? _context;

    /// <param name="format">Wire format of the source records.</param>
    /// <param name="strings">Interned names.</param>
    /// <param name="options">Decoder limits.</param>
    /// <param name="strictTraceId"><c>assembly.trace.id.strict</c>: false keys records by the lower 64 bits of the trace id (<see cref="TraceIdKey.JoinKey"/>).</param>
    public SpanDecodeProcessor(SpanFormat format, StringTable strings, DecoderOptions? options = null, bool strictTraceId = true)
    {
        _splitter = new TraceSplitter(strictTraceId);
        _strings = strings;
        DecodeMetrics.Track(strings);
        _decoder = SpanDecoders.Create(format, strings, options ?? DecoderOptions.Default);
        _tally = DecodeMetrics.For(format);
    }

    public void Init(IProcessorContext<TraceId, SpanGroup> context) => _context = context;

    public void Process(Record<byte[]?, byte[]?> record)
    {
        var context = _context ?? throw new InvalidOperationException("SpanDecodeProcessor.Init has not been called");
        if (record.Value is null)
        {
            _tally.Error(DecodeErrorKind.Empty);
            context.DeadLetter("record has no value (tombstone); span messages always have one", "decode:Empty");
            return;
        }
        _batch.Clear();
        if (!_decoder.TryDecode(record.Value, _batch, out DecodeError? error))
        {
            _tally.Error(error!.Kind);
            context.DeadLetter(error.ToString(), "decode:" + error.Kind);
            return;
        }
        if (_batch.Count == 0)
        {
            // Well-formed but empty: nothing would come of it, so say so rather than drop it silently. This is also
            // what another format on the topic often looks like (JSON bytes can parse as unknown protobuf fields).
            _tally.NoSpans();
            context.DeadLetter(NoSpansReason, "decode:" + NoSpansKind);
            return;
        }
        _tally.Decoded(_batch.Count);

        int groups = _splitter.Split(_batch);
        for (int g = 0; g < groups; g++)
        {
            // Lent, not encoded: the repartition sink encodes the group inside this call, and with keyed input the
            // assembler copies the spans into its store without a SpanCodec round trip (see SpanGroup).
            context.Forward(new Record<TraceId, SpanGroup>(_splitter.GroupTraceId(g), SpanGroup.Lend(_splitter.GroupMemory(g), _strings), record.TimestampMs));
        }
    }

    public void Close() { }

}
