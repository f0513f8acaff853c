using System.Buffers;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// Step 3 of the trace topology: reads <c>{app}-spans-by-trace</c> records (key = trace id, value = the spans of that
/// trace as a <see cref="SpanGroup"/>: <see cref="SpanCodec"/> bytes after the repartition hop, or spans lent by the
/// decode processor when the input is keyed by trace id), assembles traces in the <see cref="OpenTraceStore"/> named in the constructor, and
/// forwards each completed <see cref="Trace"/> keyed by trace id, with the trace's end time (ms) as timestamp.
/// </summary>
/// <remarks>
/// <para>
/// Wiring: <c>AddStateStore(new OpenTraceStore(config, StringTable.Shared, timeProvider, new AssemblyMetrics(taskId)), "assemble")</c>
/// and <c>AddProcessor("assemble", () =&gt; new TraceAssemblyProcessor(), "spans-by-trace-source")</c>; the source's key
/// deserializer reads the 16-byte key (<see cref="TraceIdKey.TryReadKey"/>) and its value deserializer passes
/// the bytes through. The key is informational: the store groups spans by their own trace ids (by the lower 64 bits of
/// them under <c>assembly.trace.id.strict=false</c>, the same <see cref="TraceIdKey.JoinKey"/> the decode step keys by).
/// </para>
/// <para>
/// Clocks: stream time is the larger of the task's stream time and the record's timestamp (the Kafka record
/// timestamp, not span times: span clocks come from many hosts, and one skewed host would move stream time and close
/// every open trace early). Wall clock is the context's. Two punctuators (wall clock and stream time, every
/// <see cref="AssemblyConfig.PunctuationInterval"/>) complete traces on quiet partitions.
/// </para>
/// <para>
/// A value that does not decode is counted (<see cref="AssemblyMetrics.DecodeErrors"/>) and skipped: the topic is
/// internal and written by <see cref="SpanCodec"/>, so this means a bug or corruption, and failing the task would
/// stop the partition for good on a poison record. Runs on the task's thread (all calls, punctuations included).
/// </para>
/// </remarks>
public sealed class TraceAssemblyProcessor : IProcessor<TraceId, SpanGroup, TraceId, Trace>
{
    private readonly string _storeName;
    private readonly List<Trace> _completed = new();
    private readonly SpanCodec _codec = new();
    private readonly SpanBatch _batch = new(64);
    private ArrayBufferWriter<byte>? _reencode;
    private IProcessorContext<TraceId, Trace>? _context;
    private TraceAssembler? _assembler;
    private OpenTraceStore? _store;
    private ICancellable? _wallClockSchedule;
    private ICancellable? _streamTimeSchedule;

    /// <summary>Creates a processor that uses the store named <paramref name="storeName"/>.</summary>
    public TraceAssemblyProcessor(string storeName = OpenTraceStore.DefaultName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        _storeName = storeName;
    }

    /// <summary>The assembler (valid after <see cref="Init"/>).</summary>
    public TraceAssembler Assembler => _assembler ?? throw new InvalidOperationException("TraceAssemblyProcessor.Init has not been called");

    /// <inheritdoc/>
    public void Init(IProcessorContext<TraceId, Trace> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _store = context.GetStateStore<OpenTraceStore>(_storeName);
        _assembler = new TraceAssembler(_store);
        TimeSpan interval = _store.Config.PunctuationInterval;
        var punctuator = new Punctuator(this);
        _wallClockSchedule = context.Schedule(interval, PunctuationType.WallClockTime, punctuator);
        _streamTimeSchedule = context.Schedule(interval, PunctuationType.StreamTime, punctuator);
    }

    /// <inheritdoc/>
    public void Process(Record<TraceId, SpanGroup> record)
    {
        var context = _context ?? throw new InvalidOperationException("TraceAssemblyProcessor.Init has not been called");
        SpanGroup group = record.Value;
        ReadOnlySpan<Span> spans;
        if (group.IsDecoded && ReferenceEquals(group.Strings, _store!.Strings))
        {
            // Lent by the decode processor in this task, names in the store's table: used as they are (AddRange copies).
            spans = group.Spans;
        }
        else
        {
            _batch.Clear();
            if (!TryDecode(group))
            {
                _store!.Metrics.DecodeErrorsCount++;
                return;
            }
            spans = _batch.Spans;
        }
        long streamTimeMs = Math.Max(context.CurrentStreamTimeMs, record.TimestampMs);
        _assembler!.AddRange(spans, streamTimeMs, context.CurrentSystemTimeMs, _completed);
        ForwardCompleted(context);
    }

    /// <summary>Into <see cref="_batch"/>, names in the store's table: SpanCodec bytes, or lent spans of another table (re-interned through the codec).</summary>
    private bool TryDecode(SpanGroup group)
    {
        if (!group.IsDecoded) return _codec.TryDecode(group.Encoded.Span, _store!.Strings, _batch, out _);
        var buffer = _reencode ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        _codec.Encode(group.Spans, group.Strings!, buffer);
        return _codec.TryDecode(buffer.WrittenSpan, _store!.Strings, _batch, out _);
    }

    /// <summary>
    /// Emits every open trace with <see cref="CompletionReason.EndOfInput"/> (end of a finite replay). Call on the
    /// task's thread between <see cref="Init"/> and <see cref="Close"/>. Not on shutdown or revocation (see
    /// <see cref="TraceAssembler.CompleteAll"/>).
    /// </summary>
    public void CompleteAll()
    {
        var context = _context ?? throw new InvalidOperationException("TraceAssemblyProcessor.Init has not been called");
        _assembler!.CompleteAll(CompletionReason.EndOfInput, _completed);
        ForwardCompleted(context);
    }

    /// <summary>Cancels the punctuations. Open traces stay in the store (and its changelog) for the next owner.</summary>
    public void Close()
    {
        _wallClockSchedule?.Cancel();
        _streamTimeSchedule?.Cancel();
        _context = null;
    }

    private void Punctuate()
    {
        var context = _context;
        if (context is null) return;
        _assembler!.CompleteDue(context.CurrentStreamTimeMs, context.CurrentSystemTimeMs, _completed);
        ForwardCompleted(context);
    }

    private void ForwardCompleted(IProcessorContext<TraceId, Trace> context)
    {
        if (_completed.Count == 0) return;
        for (int i = 0; i < _completed.Count; i++)
        {
            Trace trace = _completed[i];
            context.Forward(new Record<TraceId, Trace>(trace.TraceId, trace, TraceEndMs(trace, context.CurrentStreamTimeMs)));
        }
        _completed.Clear();
    }

    /// <summary>The latest span end in ms; stream time when the trace has no usable span times (a record timestamp cannot be negative).</summary>
    internal static long TraceEndMs(Trace trace, long fallbackMs)
    {
        long endNanos = long.MinValue;
        foreach (ref readonly var s in trace.Spans)
        {
            if (s.EndUnixNanos > endNanos) endNanos = s.EndUnixNanos;
        }
        long ms = endNanos / 1_000_000;
        return endNanos > 0 ? ms : Math.Max(0, fallbackMs);
    }

    private sealed class Punctuator(TraceAssemblyProcessor owner) : IPunctuator
    {
        public void Punctuate(long timestampMs) => owner.Punctuate();
    }
}
