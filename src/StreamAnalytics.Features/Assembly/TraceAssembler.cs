using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// The completion rules of trace assembly over an <see cref="OpenTraceStore"/>: decides when an open trace is complete
/// and hands it out as a <see cref="Trace"/>. Pure logic: no clock of its own, no Kafka; times are passed in.
/// </summary>
/// <remarks>
/// <para>A trace completes at the first of these (each checked against stream time and wall clock; either may fire):</para>
/// <list type="bullet">
/// <item><b>Gap</b>: no span for <c>assembly.gap.ms</c> since the last one arrived.</item>
/// <item><b>MaxDuration</b>: <c>assembly.max.trace.duration.ms</c> since the first one arrived.</item>
/// <item><b>Root</b>: <c>assembly.root.grace.ms</c> since the root span (no parent) arrived.</item>
/// <item><b>MemoryPressure</b>: the store is over <c>assembly.max.open.bytes</c> (or <c>assembly.max.open.traces</c>):
/// the oldest open traces (by first arrival) complete until it is within budget again, right after the add that
/// crossed it, so the accounted bytes never exceed the budget by more than that one add.</item>
/// </list>
/// <para>
/// Revisions reopened by late spans complete by the same rules but carry <see cref="CompletionReason.Late"/>.
/// Completed traces are appended to a caller-owned list (reused between calls, so no per-call allocation).
/// Not thread-safe: one per task, on the task's thread.
/// </para>
/// </remarks>
public sealed class TraceAssembler
{
    private readonly OpenTraceStore _store;
    private readonly long _gapMs;
    private readonly long _maxDurationMs;
    private readonly long _rootGraceMs;

    /// <summary>Creates an assembler over <paramref name="store"/>, with the store's <see cref="OpenTraceStore.Config"/>.</summary>
    public TraceAssembler(OpenTraceStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _gapMs = store.Config.GapMs;
        _maxDurationMs = store.Config.MaxTraceDurationMs;
        _rootGraceMs = store.Config.RootGraceMs;
    }

    /// <summary>The store this assembler completes traces of.</summary>
    public OpenTraceStore Store => _store;

    /// <summary>Adds one span, then completes whatever is due (budget first, then the time rules).</summary>
    /// <param name="span">The span.</param>
    /// <param name="streamTimeMs">The task's stream time: the largest record timestamp seen (see README on which timestamp).</param>
    /// <param name="wallClockMs">Wall clock now, from the runtime's TimeProvider.</param>
    /// <param name="completed">Receives completed traces, oldest completion first.</param>
    public AddOutcome Add(in ModelSpan span, long streamTimeMs, long wallClockMs, List<Trace> completed)
    {
        AddOutcome outcome = _store.TryAdd(in span, streamTimeMs, wallClockMs);
        AfterAdd(completed);
        return outcome;
    }

    /// <summary>Adds spans that arrived together (one input record), then completes whatever is due.</summary>
    /// <inheritdoc cref="Add" path="/param"/>
    public AddOutcome AddRange(ReadOnlySpan<ModelSpan> spans, long streamTimeMs, long wallClockMs, List<Trace> completed)
    {
        AddOutcome outcome = _store.TryAddRange(spans, streamTimeMs, wallClockMs);
        AfterAdd(completed);
        return outcome;
    }

    /// <summary>
    /// Completes every trace that is due at the given times (and forgets emitted traces past late retention). Called
    /// by the punctuators; cheap when nothing is due (three list heads are looked at).
    /// </summary>
    /// <returns>The number of traces appended to <paramref name="completed"/>.</returns>
    public int CompleteDue(long streamTimeMs, long wallClockMs, List<Trace> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        _store.AdvanceClocks(streamTimeMs, wallClockMs);
        int before = completed.Count;
        EnforceBudget(completed);
        long stream = _store.StreamTimeMs;
        long wall = _store.WallClockMs;
        while (true)
        {
            int h = _store.ActivityHead;
            if (h >= 0)
            {
                ref readonly TraceEntry e = ref _store.Entry(h);
                if (stream - e.LastStreamMs >= _gapMs || wall - e.LastWallMs >= _gapMs)
                {
                    completed.Add(_store.Complete(h, CompletionReason.Gap));
                    continue;
                }
            }
            h = _store.AgeHead;
            if (h >= 0)
            {
                ref readonly TraceEntry e = ref _store.Entry(h);
                if (stream - e.FirstStreamMs >= _maxDurationMs || wall - e.FirstWallMs >= _maxDurationMs)
                {
                    completed.Add(_store.Complete(h, CompletionReason.MaxDuration));
                    continue;
                }
            }
            h = _store.RootHead;
            if (h >= 0)
            {
                ref readonly TraceEntry e = ref _store.Entry(h);
                if (stream - e.RootStreamMs >= _rootGraceMs || wall - e.RootWallMs >= _rootGraceMs)
                {
                    completed.Add(_store.Complete(h, CompletionReason.Root));
                    continue;
                }
            }
            break;
        }
        _store.ExpireRetained();
        return completed.Count - before;
    }

    /// <summary>
    /// Completes every open trace, oldest first, with <paramref name="reason"/> (normally
    /// <see cref="CompletionReason.EndOfInput"/>: the end of a finite replay). Not for shutdown or revocation of a
    /// task: the changelog carries open traces to the next owner, and emitting them too would duplicate them.
    /// </summary>
    public int CompleteAll(CompletionReason reason, List<Trace> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        int before = completed.Count;
        while (_store.AgeHead >= 0) completed.Add(_store.Complete(_store.AgeHead, reason));
        return completed.Count - before;
    }

    private void AfterAdd(List<Trace> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        // Budget first: it is the rule that protects the process; the time rules then see the current clocks.
        CompleteDue(_store.StreamTimeMs, _store.WallClockMs, completed);
    }

    private void EnforceBudget(List<Trace> completed)
    {
        while (_store.IsOverBudget && _store.AgeHead >= 0)
        {
            completed.Add(_store.Complete(_store.AgeHead, CompletionReason.MemoryPressure));
        }
    }
}
