using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Cli.Pipeline;

/// <summary>
/// The whole trace job on one thread with no Kafka: decode → assemble → extract → aggregate. Used by <c>replay</c>
/// (finite input: end of input completes every trace) and by <c>bench</c> (the in-process figure). The streaming job
/// runs the same components as processors of a topology.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class InProcessPipeline : IDisposable
{
    private readonly ISpanDecoder _decoder;
    private readonly SpanBatch _batch = new(1024);
    private readonly TraceAssembler _assembler;
    private readonly TraceFeatureExtractor _extractor;
    private readonly WindowedAggregator _aggregator;
    private readonly List<Trace> _completed = new();
    private readonly Action<TraceFeatures> _onFeatures;
    private readonly Action<AggregateDocument> _onAggregate;
    private readonly Action<long, DecodeError> _onDecodeError;
    private readonly TimeProvider _time;
    private readonly AssemblyMetrics _assemblyMetrics;
    private long _streamTimeMs;

    public InProcessPipeline(
        SpanFormat format,
        AssemblyConfig assembly,
        FeatureConfig features,
        AggregateConfig aggregate,
        Action<TraceFeatures> onFeatures,
        Action<AggregateDocument> onAggregate,
        Action<long, DecodeError> onDecodeError,
        StringTable? strings = null,
        TimeProvider? time = null)
    {
        strings ??= StringTable.Shared;
        _time = time ?? TimeProvider.System;
        _decoder = SpanDecoders.Create(format, strings);
        _assemblyMetrics = new AssemblyMetrics("replay", registerWithMeter: false);
        _assembler = new TraceAssembler(new OpenTraceStore(assembly, strings, _time, _assemblyMetrics));
        _extractor = new TraceFeatureExtractor(features);
        _aggregator = new WindowedAggregator(aggregate);
        _onFeatures = onFeatures;
        _onAggregate = onAggregate;
        _onDecodeError = onDecodeError;
    }

    public long Messages { get; private set; }
    public long DecodeErrors { get; private set; }
    public long Spans { get; private set; }
    public long Traces { get; private set; }
    public AssemblyMetrics AssemblyMetrics => _assemblyMetrics;
    public WindowedAggregator Aggregator => _aggregator;

    /// <summary>Decodes one message and feeds its spans through the pipeline.</summary>
    public void Process(ReadOnlySpan<byte> message)
    {
        long index = Messages++;
        _batch.Clear();
        if (!_decoder.TryDecode(message, _batch, out DecodeError? error))
        {
            DecodeErrors++;
            _onDecodeError(index, error!);
            return;
        }
        if (_batch.Count == 0)
        {
            // As in the streaming job: a message with no spans is refused with a reason, never dropped silently.
            DecodeErrors++;
            _onDecodeError(index, new DecodeError(_decoder.Format, DecodeErrorKind.Empty, SpanDecodeProcessor.NoSpansReason));
            return;
        }
        ReadOnlySpan<Span> spans = _batch.Spans;
        Spans += spans.Length;
        long wallMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        for (int i = 0; i < spans.Length; i++)
        {
            // Stream time follows span ends, as the streaming job's record timestamps do.
            long endMs = spans[i].EndUnixNanos / 1_000_000;
            if (endMs > _streamTimeMs) _streamTimeMs = endMs;
            _assembler.Add(in spans[i], _streamTimeMs, wallMs, _completed);
        }
        Drain();
        foreach (var doc in _aggregator.CloseWindows(_streamTimeMs)) _onAggregate(doc);
    }

    /// <summary>End of input: completes every open trace and closes every window.</summary>
    public void Complete()
    {
        _assembler.CompleteAll(CompletionReason.EndOfInput, _completed);
        Drain();
        foreach (var doc in _aggregator.FlushAll()) _onAggregate(doc);
    }

    private void Drain()
    {
        for (int i = 0; i < _completed.Count; i++)
        {
            Trace trace = _completed[i];
            TraceFeatures features = _extractor.Extract(trace);
            Traces++;
            _onFeatures(features);
            _aggregator.Add(trace, features);
        }
        _completed.Clear();
    }

    public void Dispose() => _assemblyMetrics.Dispose();
}
