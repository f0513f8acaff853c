
namespace StreamAnalytics.Features.Assembly;

/// <summary>Why a span was dropped by assembly; the <c>reason</c> label of <c>assembly_spans_dropped</c>.</summary>
public enum SpanDropReason
{
    /// <summary>The trace already held <c>assembly.max.spans.per.trace</c> spans.</summary>
    TraceCap,
    /// <summary>An exact duplicate (same span id, start and kind) of a span already in the trace, e.g. redelivered after a restart.</summary>
    Duplicate,
    /// <summary>The span had an empty trace id.</summary>
    InvalidTraceId,
}

/// <summary>
/// Counters and gauges of one open-trace store (one task). Written by the task's thread only; read from any thread
/// (a long read is atomic on 64-bit), e.g. by the <c>StreamAnalytics.Assembly</c> Meter's callbacks.
/// </summary>
/// <remarks>
/// All counters only go up; gauges (<see cref="OpenTraces"/>, <see cref="OpenSpans"/>, <see cref="StoreBytes"/>,
/// <see cref="RetainedTraces"/>, <see cref="RetainedBytes"/>) go both ways. Restoring from the changelog counts into
/// <see cref="SpansRestored"/>/<see cref="TracesRestored"/>, never into <see cref="SpansAdded"/>/<see cref="TracesOpened"/>,
/// so a restart does not double count. Dispose to stop reporting through the Meter.
/// </remarks>
public sealed class AssemblyMetrics : IDisposable
{
    private static readonly int ReasonCount = Enum.GetValues<CompletionReason>().Length;
    private static readonly int DropReasonCount = Enum.GetValues<SpanDropReason>().Length;

    internal readonly long[] Completed = new long[ReasonCount];
    internal readonly long[] Dropped = new long[DropReasonCount];
    internal long SpansAddedCount;
    internal long SpansRestoredCount;
    internal long TracesOpenedCount;
    internal long TracesRestoredCount;
    internal long LateSpansCount;
    internal long LateRevisionsCount;
    internal long PartialLateRevisionsCount;
    internal long ExpiredLateSpansCount;
    internal long RetainedSpansReleasedCount;
    internal long RetainedTracesEvictedCount;
    internal long DecodeErrorsCount;
    internal long RestoreErrorsCount;
    internal long OpenTracesGauge;
    internal long OpenSpansGauge;
    internal long StoreBytesGauge;
    internal long RetainedTracesGauge;
    internal long RetainedBytesGauge;

    /// <summary>Creates metrics and, when <paramref name="registerWithMeter"/>, reports them through <see cref="AssemblyMeter"/>.</summary>
    /// <param name="task">The <c>task</c> label (e.g. <c>0_3</c>); distinguishes stores of one process.</param>
    /// <param name="registerWithMeter">False in tests that do not want process-wide reporting.</param>
    public AssemblyMetrics(string task = "", bool registerWithMeter = true)
    {
        Task = task;
        if (registerWithMeter) AssemblyMeter.Register(this);
    }

    /// <summary>The <c>task</c> label (set by the store at <c>Init</c> when the store created these metrics itself).</summary>
    public string Task { get; internal set; }

    /// <summary>Spans accepted into open traces.</summary>
    public long SpansAdded => Volatile.Read(ref SpansAddedCount);
    /// <summary>Spans rebuilt from the changelog.</summary>
    public long SpansRestored => Volatile.Read(ref SpansRestoredCount);
    /// <summary>Traces opened by a span (not by restore; a late reopen counts in <see cref="LateRevisions"/>).</summary>
    public long TracesOpened => Volatile.Read(ref TracesOpenedCount);
    /// <summary>Open traces rebuilt from the changelog.</summary>
    public long TracesRestored => Volatile.Read(ref TracesRestoredCount);
    /// <summary>Spans that arrived for an already emitted trace within <c>assembly.late.retention.ms</c> (the reopening span and every later span of the revision).</summary>
    public long LateSpans => Volatile.Read(ref LateSpansCount);
    /// <summary>Traces reopened by a late span (each yields one more revision).</summary>
    public long LateRevisions => Volatile.Read(ref LateRevisionsCount);
    /// <summary>Late revisions whose earlier spans were no longer retained (<c>assembly.late.max.bytes</c>), so they hold only the late spans.</summary>
    public long PartialLateRevisions => Volatile.Read(ref PartialLateRevisionsCount);
    /// <summary>Spans for a trace emitted longer than <c>assembly.late.retention.ms</c> ago that the store still recognised; each started a new trace.</summary>
    public long ExpiredLateSpans => Volatile.Read(ref ExpiredLateSpansCount);
    /// <summary>Spans of emitted traces released early to keep within <c>assembly.late.max.bytes</c>.</summary>
    public long RetainedSpansReleased => Volatile.Read(ref RetainedSpansReleasedCount);
    /// <summary>Emitted-trace records forgotten early to keep within <c>assembly.late.max.bytes</c>.</summary>
    public long RetainedTracesEvicted => Volatile.Read(ref RetainedTracesEvictedCount);
    /// <summary>Input records that did not decode (see <see cref="TraceAssemblyProcessor"/>).</summary>
    public long DecodeErrors => Volatile.Read(ref DecodeErrorsCount);
    /// <summary>Changelog records that could not be applied during restore (bad key or value); skipped.</summary>
    public long RestoreErrors => Volatile.Read(ref RestoreErrorsCount);
    /// <summary>Traces currently open.</summary>
    public long OpenTraces => Volatile.Read(ref OpenTracesGauge);
    /// <summary>Spans currently held by open traces.</summary>
    public long OpenSpans => Volatile.Read(ref OpenSpansGauge);
    /// <summary>Accounted bytes of open traces (what <c>assembly.max.open.bytes</c> bounds).</summary>
    public long StoreBytes => Volatile.Read(ref StoreBytesGauge);
    /// <summary>Emitted traces remembered for late spans.</summary>
    public long RetainedTraces => Volatile.Read(ref RetainedTracesGauge);
    /// <summary>Accounted bytes of what is remembered for late spans (what <c>assembly.late.max.bytes</c> bounds).</summary>
    public long RetainedBytes => Volatile.Read(ref RetainedBytesGauge);

    /// <summary>Traces completed for <paramref name="reason"/>.</summary>
    public long TracesCompleted(CompletionReason reason) => Volatile.Read(ref Completed[(int)reason]);

    /// <summary>Spans dropped for <paramref name="reason"/>.</summary>
    public long SpansDropped(SpanDropReason reason) => Volatile.Read(ref Dropped[(int)reason]);

    /// <summary>Stops reporting through the Meter.</summary>
    public void Dispose() => AssemblyMeter.Unregister(this);
}
