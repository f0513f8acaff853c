using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// Step 5 of the trace topology: adds each completed trace to the task's <see cref="WindowStore"/> and forwards every
/// aggregate document when its window closes (key = the document's stable id).
/// </summary>
/// <remarks>
/// <para>
/// Windows are on event time (trace start), so the watermark is event time too: the latest trace end seen, capped at
/// the wall clock plus <see cref="MaxFutureSkewMs"/> so one host with a clock in the future cannot close windows
/// early, minus <c>assembly.gap.ms</c> because a trace reaches this step a gap after its last span.
/// </para>
/// <para>
/// Quiet partitions: a wall-clock punctuator extrapolates the watermark by the wall-clock time since the last trace
/// arrived, so windows still close when input stops; while a lagging consumer catches up, traces keep arriving and
/// nothing is extrapolated, so history is not declared late. Runs on the task's thread.
/// </para>
/// </remarks>
public sealed class AggregationProcessor : IProcessor<TraceId, CompletedTrace, string, AggregateDocument>
{
    /// <summary>How far ahead of the wall clock a trace end may move the watermark.</summary>
    public const long MaxFutureSkewMs = 60_000;

    private readonly string _storeName;
    private readonly long _gapMs;
    private IProcessorContext<string, AggregateDocument>? _context;
    private WindowedAggregator? _aggregator;
    private long _eventTimeMs = long.MinValue;
    private long _lastArrivalWallMs;

    public AggregationProcessor(long assemblyGapMs, string storeName = WindowStore.DefaultName)
    {
        _gapMs = assemblyGapMs;
        _storeName = storeName;
    }

    public void Init(IProcessorContext<string, AggregateDocument> context)
    {
        _context = context;
        _aggregator = context.GetStateStore<WindowStore>(_storeName).Aggregator;
        _lastArrivalWallMs = context.CurrentSystemTimeMs;
        var interval = TimeSpan.FromMilliseconds(Math.Clamp(_aggregator.Config.WindowMs / 10, 100, 1000));
        context.Schedule(interval, PunctuationType.WallClockTime, new IdlePunctuator(this));
    }

    public void Process(Record<TraceId, CompletedTrace> record)
    {
        var context = _context ?? throw new InvalidOperationException("AggregationProcessor.Init has not been called");
        long wallMs = context.CurrentSystemTimeMs;
        _lastArrivalWallMs = wallMs;
        _aggregator!.Add(record.Value.Trace, record.Value.Features);
        long endMs = (record.Value.Features.StartTimeUs + record.Value.Features.DurationUs) / 1000;
        _eventTimeMs = Math.Max(_eventTimeMs, Math.Min(endMs, wallMs + MaxFutureSkewMs));
        Emit(_eventTimeMs - _gapMs);
    }

    private void Emit(long watermarkMs)
    {
        if (watermarkMs == long.MinValue) return;
        foreach (AggregateDocument doc in _aggregator!.CloseWindows(watermarkMs))
            _context!.Forward(new Record<string, AggregateDocument>(doc.Id, doc, Math.Max(0, doc.WindowEndMs)));
    }

    private void OnWallClock(long wallMs)
    {
        if (_eventTimeMs == long.MinValue) return;
        long idleMs = wallMs - _lastArrivalWallMs;
        if (idleMs > 0) Emit(_eventTimeMs - _gapMs + idleMs);
    }

    public void Close() { }

    private sealed class IdlePunctuator(AggregationProcessor owner) : IPunctuator
    {
        public void Punctuate(long timestampMs) => owner.OnWallClock(timestampMs);
    }
}
