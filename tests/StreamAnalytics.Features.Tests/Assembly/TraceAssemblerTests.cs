using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats.Model;
using static StreamAnalytics.Features.Tests.Assembly.AssemblyTestKit;

namespace StreamAnalytics.Features.Tests.Assembly;

public sealed class TraceAssemblerTests
{
    private readonly StringTable _strings = new();
    private readonly List<Trace> _out = new();

    private TraceAssembler Assembler(Func<AssemblyConfig, AssemblyConfig>? change = null) =>
        new(Store(Config(change), _strings));

    // ---- gap -------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_trace_completes_when_stream_time_passes_the_gap_after_its_last_span()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 10), 1_000, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 11), 5_000, T0Wall, _out);

        Assert.Equal(0, a.CompleteDue(14_999, T0Wall, _out));
        Assert.Equal(1, a.CompleteDue(15_000, T0Wall, _out));

        Trace t = Assert.Single(_out);
        Assert.Equal(CompletionReason.Gap, t.Reason);
        Assert.Equal(new ulong[] { 10, 11 }, SpanIds(t));
        Assert.Equal(0, t.Revision);
        Assert.False(t.Truncated);
    }

    [Fact]
    public void A_quiet_partition_flushes_by_wall_clock_although_stream_time_stands_still()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 10), 1_000, T0Wall, _out);

        Assert.Equal(0, a.CompleteDue(1_000, T0Wall + 9_999, _out));
        Assert.Equal(1, a.CompleteDue(1_000, T0Wall + 10_000, _out));
        Assert.Equal(CompletionReason.Gap, Assert.Single(_out).Reason);
    }

    [Fact]
    public void A_span_resets_the_gap_of_its_own_trace_only()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 10), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(2), 20), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 11), 6_000, T0Wall, _out);

        a.CompleteDue(10_000, T0Wall, _out);

        Assert.Equal(Tid(2), Assert.Single(_out).TraceId);
        Assert.Equal(1, a.Store.OpenTraceCount);
    }

    [Fact]
    public void Adding_a_span_completes_other_traces_that_became_due_without_waiting_for_a_punctuation()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 10), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(2), 20), 10_000, T0Wall, _out);

        Assert.Equal(Tid(1), Assert.Single(_out).TraceId);
    }

    // ---- max duration ----------------------------------------------------------------------------------------------

    [Fact]
    public void A_busy_trace_completes_after_max_duration_by_stream_time()
    {
        var a = Assembler(c => new AssemblyConfig { GapMs = c.GapMs, MaxTraceDurationMs = 30_000, LateRetentionMs = 0 });
        ulong id = 1;
        for (long t = 0; t < 30_000; t += 5_000) a.Add(Child(_strings, Tid(1), id++), t, T0Wall, _out);
        Assert.Empty(_out);

        a.CompleteDue(30_000, T0Wall, _out);

        Trace t1 = Assert.Single(_out);
        Assert.Equal(CompletionReason.MaxDuration, t1.Reason);
        Assert.Equal(6, t1.Count);
    }

    [Fact]
    public void A_busy_trace_completes_after_max_duration_by_wall_clock()
    {
        var a = Assembler(c => new AssemblyConfig { GapMs = c.GapMs, MaxTraceDurationMs = 30_000 });
        ulong id = 1;
        for (long w = 0; w < 30_000; w += 5_000) a.Add(Child(_strings, Tid(1), id++), 0, T0Wall + w, _out);
        Assert.Empty(_out);

        a.CompleteDue(0, T0Wall + 30_000, _out);

        Assert.Equal(CompletionReason.MaxDuration, Assert.Single(_out).Reason);
    }

    // ---- root ------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_trace_completes_root_grace_after_its_root_arrived_by_stream_time()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 10), 0, T0Wall, _out);
        a.Add(Span(_strings, Tid(1), 1), 1_000, T0Wall, _out); // root
        a.Add(Child(_strings, Tid(1), 12), 2_000, T0Wall, _out);

        Assert.Equal(0, a.CompleteDue(2_999, T0Wall, _out));
        Assert.Equal(1, a.CompleteDue(3_000, T0Wall, _out));
        Trace t = Assert.Single(_out);
        Assert.Equal(CompletionReason.Root, t.Reason);
        Assert.Equal(new ulong[] { 10, 1, 12 }, SpanIds(t));
    }

    [Fact]
    public void A_trace_completes_root_grace_after_its_root_arrived_by_wall_clock()
    {
        var a = Assembler();
        a.Add(Span(_strings, Tid(1), 1), 0, T0Wall, _out);

        Assert.Equal(0, a.CompleteDue(0, T0Wall + 1_999, _out));
        Assert.Equal(1, a.CompleteDue(0, T0Wall + 2_000, _out));
        Assert.Equal(CompletionReason.Root, Assert.Single(_out).Reason);
    }

    [Fact]
    public void A_trace_without_root_waits_for_the_gap()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 10), 0, T0Wall, _out);

        Assert.Equal(0, a.CompleteDue(9_999, T0Wall + 9_999, _out));
    }

    // ---- per-trace cap ---------------------------------------------------------------------------------------------

    [Fact]
    public void Spans_beyond_the_cap_are_dropped_counted_and_flag_the_trace_truncated()
    {
        var a = Assembler(c => new AssemblyConfig { MaxSpansPerTrace = 3 });
        var outcomes = new List<AddOutcome>();
        for (ulong i = 1; i <= 5; i++) outcomes.Add(a.Add(Child(_strings, Tid(1), 10 + i), 0, T0Wall, _out));

        Assert.Equal([AddOutcome.NewTrace, AddOutcome.Added, AddOutcome.Added, AddOutcome.TraceFull, AddOutcome.TraceFull], outcomes);
        a.CompleteDue(10_000, T0Wall, _out);
        Trace t = Assert.Single(_out);
        Assert.True(t.Truncated);
        Assert.Equal(2, t.DroppedSpans);
        Assert.Equal(new ulong[] { 11, 12, 13 }, SpanIds(t));
        Assert.Equal(2, a.Store.Metrics.SpansDropped(SpanDropReason.TraceCap));
        Assert.Equal(3, a.Store.Metrics.SpansAdded);
    }

    // ---- memory pressure -------------------------------------------------------------------------------------------

    [Fact]
    public void Over_the_byte_budget_the_oldest_traces_complete_first_and_the_budget_holds()
    {
        const int SpansPerTrace = 4;
        long budget = AssemblyConfig.MinOpenBytes;
        long traceBytes = OpenTraceStore.TraceEntryBytes + SpansPerTrace * OpenTraceStore.SpanSlotBytes;
        int fit = (int)(budget / traceBytes);
        int total = fit * 10;
        var a = Assembler(c => new AssemblyConfig { MaxOpenBytes = budget });

        long maxSeen = 0;
        for (int t = 0; t < total; t++)
        {
            for (ulong s = 0; s < SpansPerTrace; s++)
            {
                a.Add(Child(_strings, Tid((ulong)t + 1), s + 1), 0, T0Wall, _out);
                maxSeen = Math.Max(maxSeen, a.Store.OpenBytes);
            }
        }

        Assert.True(maxSeen <= budget, $"open bytes peaked at {maxSeen}, budget {budget}");
        Assert.All(_out, t => Assert.Equal(CompletionReason.MemoryPressure, t.Reason));
        // Oldest first: emitted in the order the traces were opened.
        for (int i = 0; i < _out.Count; i++) Assert.Equal(Tid((ulong)i + 1), _out[i].TraceId);
        var m = a.Store.Metrics;
        Assert.Equal(_out.Count, m.TracesCompleted(CompletionReason.MemoryPressure));
        Assert.Equal(total, m.TracesOpened);
        Assert.Equal(total, _out.Count + a.Store.OpenTraceCount);
        Assert.Equal(m.SpansAdded, _out.Sum(t => (long)t.Count) + a.Store.OpenSpanCount);
        Assert.True(_out.Count >= total - fit - 1);
        Assert.Equal(a.Store.OpenBytes, m.StoreBytes);
    }

    [Fact]
    public void The_open_trace_cap_completes_the_oldest_trace_when_a_new_one_would_exceed_it()
    {
        var a = Assembler(c => new AssemblyConfig { MaxOpenTraces = 3 });
        for (ulong t = 1; t <= 4; t++) a.Add(Child(_strings, Tid(t), 1), 0, T0Wall, _out);

        Trace evicted = Assert.Single(_out);
        Assert.Equal(Tid(1), evicted.TraceId);
        Assert.Equal(CompletionReason.MemoryPressure, evicted.Reason);
        Assert.Equal(3, a.Store.OpenTraceCount);
    }

    // ---- late spans ------------------------------------------------------------------------------------------------

    [Fact]
    public void A_late_span_within_retention_reopens_the_trace_as_revision_1_with_all_its_spans()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 10), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 11), 0, T0Wall, _out);
        a.CompleteDue(10_000, T0Wall, _out);
        Assert.Equal(0, Assert.Single(_out).Revision);
        _out.Clear();

        Assert.Equal(AddOutcome.Late, a.Add(Child(_strings, Tid(1), 12), 20_000, T0Wall, _out));
        a.CompleteDue(30_000, T0Wall, _out);

        Trace rev1 = Assert.Single(_out);
        Assert.Equal(1, rev1.Revision);
        Assert.Equal(CompletionReason.Late, rev1.Reason);
        Assert.Equal(new ulong[] { 10, 11, 12 }, SpanIds(rev1));
        Assert.False(rev1.Truncated);
        Assert.Equal(1, a.Store.Metrics.LateSpans);
        Assert.Equal(1, a.Store.Metrics.LateRevisions);
        Assert.Equal(1, a.Store.Metrics.TracesOpened);
    }

    [Fact]
    public void A_late_revision_without_retained_spans_holds_only_the_late_spans_and_says_so()
    {
        // Room for records but not for spans.
        var a = Assembler(c => new AssemblyConfig { LateMaxBytes = OpenTraceStore.TraceEntryBytes + OpenTraceStore.SpanSlotBytes });
        for (ulong s = 1; s <= 3; s++) a.Add(Child(_strings, Tid(1), s), 0, T0Wall, _out);
        a.CompleteDue(10_000, T0Wall, _out);
        _out.Clear();

        Assert.Equal(AddOutcome.Late, a.Add(Child(_strings, Tid(1), 99), 10_001, T0Wall, _out));
        a.CompleteDue(30_000, T0Wall, _out);

        Trace rev1 = Assert.Single(_out);
        Assert.Equal(1, rev1.Revision);
        Assert.Equal(new ulong[] { 99 }, SpanIds(rev1));
        Assert.True(rev1.Truncated);
        Assert.Equal(3, rev1.DroppedSpans);
        Assert.Equal(1, a.Store.Metrics.PartialLateRevisions);
        Assert.Equal(3, a.Store.Metrics.RetainedSpansReleased);
    }

    [Fact]
    public void After_late_retention_a_span_of_an_emitted_trace_starts_a_new_trace()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 10), 0, T0Wall, _out);
        a.CompleteDue(10_000, T0Wall, _out);
        a.CompleteDue(70_000, T0Wall, _out); // retention (60 s) has passed: the record is forgotten
        Assert.Equal(0, a.Store.RetainedTraceCount);
        _out.Clear();

        Assert.Equal(AddOutcome.NewTrace, a.Add(Child(_strings, Tid(1), 11), 70_001, T0Wall, _out));
        a.CompleteDue(90_000, T0Wall, _out);

        Trace t = Assert.Single(_out);
        Assert.Equal(0, t.Revision);
        Assert.Equal(new ulong[] { 11 }, SpanIds(t));
        Assert.Equal(0, a.Store.Metrics.LateSpans);
    }

    [Fact]
    public void A_span_for_an_expired_record_not_yet_swept_is_counted_as_expired_late_and_starts_a_new_trace()
    {
        var store = Store(Config(), _strings);
        var a = new TraceAssembler(store);
        a.Add(Child(_strings, Tid(1), 10), 0, T0Wall, _out);
        a.CompleteDue(10_000, T0Wall, _out);
        _out.Clear();

        // Straight to the store: no punctuation ran in between, so the record is still there but expired.
        Assert.Equal(AddOutcome.NewTrace, store.TryAdd(Child(_strings, Tid(1), 11), 70_000, T0Wall));

        Assert.Equal(1, store.Metrics.ExpiredLateSpans);
        Assert.True(store.TryGetOpenTrace(Tid(1), out var info));
        Assert.Equal(0, info.Revision);
        Assert.Equal(1, info.SpanCount);
    }

    [Fact]
    public void The_late_budget_releases_the_oldest_traces_spans_before_forgetting_any_trace()
    {
        long withSpans = OpenTraceStore.TraceEntryBytes + 2 * OpenTraceStore.SpanSlotBytes;
        var a = Assembler(c => new AssemblyConfig { LateMaxBytes = 2 * withSpans + OpenTraceStore.TraceEntryBytes });
        for (ulong t = 1; t <= 3; t++)
        {
            long at = (long)(t - 1) * 10_000;
            a.Add(Child(_strings, Tid(t), 1), at, T0Wall, _out);
            a.Add(Child(_strings, Tid(t), 2), at, T0Wall, _out);
            a.CompleteDue(at + 10_000, T0Wall, _out);
        }

        Assert.Equal(3, a.Store.RetainedTraceCount);
        Assert.Equal(2, a.Store.Metrics.RetainedSpansReleased); // trace 1's
        Assert.Equal(0, a.Store.Metrics.RetainedTracesEvicted);
        Assert.True(a.Store.RetainedBytes <= a.Store.Config.LateMaxBytes);
        _out.Clear();

        a.Add(Child(_strings, Tid(3), 3), 30_001, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 3), 30_001, T0Wall, _out);
        a.CompleteDue(50_000, T0Wall, _out);
        Assert.Equal(new ulong[] { 1, 2, 3 }, SpanIds(_out.Single(t => t.TraceId == Tid(3))));
        Assert.Equal(new ulong[] { 3 }, SpanIds(_out.Single(t => t.TraceId == Tid(1))));
    }

    [Fact]
    public void A_late_span_for_a_full_trace_is_dropped_without_reopening_it()
    {
        var a = Assembler(c => new AssemblyConfig { MaxSpansPerTrace = 2 });
        a.Add(Child(_strings, Tid(1), 1), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 2), 0, T0Wall, _out);
        a.CompleteDue(10_000, T0Wall, _out);
        _out.Clear();

        Assert.Equal(AddOutcome.TraceFull, a.Add(Child(_strings, Tid(1), 3), 10_001, T0Wall, _out));
        a.CompleteDue(30_000, T0Wall, _out);

        Assert.Empty(_out);
        Assert.Equal(1, a.Store.Metrics.SpansDropped(SpanDropReason.TraceCap));
        Assert.Equal(1, a.Store.Metrics.LateSpans);
    }

    // ---- duplicates and bad input ----------------------------------------------------------------------------------

    [Fact]
    public void An_exact_duplicate_span_is_emitted_once_and_counted_but_a_shared_span_pair_is_kept()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 7), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 8), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 7), 0, T0Wall, _out); // redelivered
        a.Add(Span(_strings, Tid(1), 8, parent: 1, kind: SpanKind.Client), 0, T0Wall, _out); // Zipkin shared: same id, other kind
        a.CompleteDue(10_000, T0Wall, _out);

        Trace t = Assert.Single(_out);
        Assert.Equal(new ulong[] { 7, 8, 8 }, SpanIds(t));
        Assert.Equal(1, a.Store.Metrics.SpansDropped(SpanDropReason.Duplicate));
        Assert.Equal(0, a.Store.OpenSpanCount);
    }

    [Fact]
    public void A_span_with_an_empty_trace_id_is_rejected_and_counted()
    {
        var a = Assembler();
        Assert.Equal(AddOutcome.Invalid, a.Add(Child(_strings, TraceId.Empty, 1), 0, T0Wall, _out));
        Assert.Equal(0, a.Store.OpenTraceCount);
        Assert.Equal(1, a.Store.Metrics.SpansDropped(SpanDropReason.InvalidTraceId));
    }

    [Fact]
    public void Complete_all_emits_every_open_trace_oldest_first_with_the_given_reason()
    {
        var a = Assembler();
        for (ulong t = 1; t <= 3; t++) a.Add(Child(_strings, Tid(t), 1), 0, T0Wall, _out);

        Assert.Equal(3, a.CompleteAll(CompletionReason.EndOfInput, _out));
        Assert.Equal([Tid(1), Tid(2), Tid(3)], _out.Select(t => t.TraceId));
        Assert.All(_out, t => Assert.Equal(CompletionReason.EndOfInput, t.Reason));
        Assert.Equal(0, a.Store.OpenBytes);
    }

    [Fact]
    public void Stream_time_never_moves_backwards_for_the_rules()
    {
        var a = Assembler();
        a.Add(Child(_strings, Tid(1), 1), 20_000, T0Wall, _out);
        a.Add(Child(_strings, Tid(2), 1), 5_000, T0Wall, _out); // an older record timestamp: stamped with 20 000

        a.CompleteDue(29_999, T0Wall, _out);
        Assert.Empty(_out);
        a.CompleteDue(30_000, T0Wall, _out);
        Assert.Equal(2, _out.Count);
    }
}
