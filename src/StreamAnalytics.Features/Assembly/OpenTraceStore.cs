using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.State;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// The open-trace state of one task: the spans of every trace still being assembled, in compact form, bounded by
/// <c>assembly.max.open.bytes</c>, plus a bounded memory of recently emitted traces for late spans. Changes are logged
/// to <c>{application.id}-{Name}-changelog</c> and replayed from it on restore.
/// </summary>
/// <remarks>
/// <para>
/// Layout: open spans live in a chunked slab of 64-byte slots chained per trace (<see cref="SpanSlotBytes"/> each);
/// spans of emitted traces kept for late spans live in a <see cref="RetentionRing"/>; each trace has one 128-byte entry
/// in chunked arrays, found through an open-addressing index (<see cref="TraceEntryBytes"/> with its index share). No
/// object is allocated per span or per trace while adding.
/// </para>
/// <para>
/// Order: every open trace sits on three intrusive lists — by last arrival (gap rule), by first arrival (max duration,
/// and the oldest-first order of memory-pressure eviction) and by root arrival (root rule). Arrivals are stamped with the
/// store's stream time and wall clock, which never go backwards, so appending at the tail keeps each list sorted by both
/// clocks: the due traces are always at the heads, and finding them costs O(1) per completed trace, not a scan.
/// </para>
/// <para>
/// Thread-safety: none; one store per task, used on the task's thread (metrics are readable from any thread). Budget
/// enforcement and completion rules live in <see cref="TraceAssembler"/>; this class only keeps state and reports
/// <see cref="IsOverBudget"/>. Methods never throw for bad input: they return an <see cref="AddOutcome"/> and count.
/// </para>
/// </remarks>
public sealed partial class OpenTraceStore : IStateStore, IChangelogTopicConfig
{
    /// <summary>The store name used by the trace topology: its changelog is <c>{application.id}-open-traces-changelog</c>.</summary>
    public const string DefaultName = "open-traces";

    /// <summary>Accounted bytes per held span: the 64-byte span and its 4-byte chain link.</summary>
    public static readonly int SpanSlotBytes = Unsafe.SizeOf<ModelSpan>() + sizeof(int);

    /// <summary>Accounted bytes per trace: its entry plus two index slots (the index is kept at most half full, so 2–4 slots per trace; two are counted).</summary>
    public static readonly int TraceEntryBytes = Unsafe.SizeOf<TraceEntry>() + 2 * sizeof(int);

    private readonly AssemblyConfig _config;
    private readonly StringTable _strings;
    private readonly TimeProvider _timeProvider;
    private readonly bool _ownsMetrics;
    private readonly bool _strictTraceId;
    private TraceTable _table = new();
    private SpanSlab _slab = new();
    private RetentionRing _ring;

    // Open lists (see TraceEntry.ActivityList etc.) and retained lists (same links, other meaning).
    private ListEnds _activity = ListEnds.Empty;
    private ListEnds _age = ListEnds.Empty;
    private ListEnds _roots = ListEnds.Empty;
    private ListEnds _retained = ListEnds.Empty;
    private ListEnds _holders = ListEnds.Empty;

    private int _openTraces;
    private long _openSpans;
    private long _openBytes;
    private int _retainedTraces;
    private long _retainedBytes;
    private long _streamMs = -1;
    private long _wallMs;

    // Reused by completion to drop exact duplicates without allocating per trace.
    private int[] _dedup = new int[64];

    /// <summary>Creates an empty store.</summary>
    /// <param name="config">Limits and rules; validated here.</param>
    /// <param name="strings">The table that resolves span names (usually <see cref="StringTable.Shared"/>).</param>
    /// <param name="timeProvider">Wall clock used to stamp traces rebuilt by restore (their original arrival wall clock is not logged).</param>
    /// <param name="metrics">
    /// Counters this store writes. When null the store creates its own, reports them through <see cref="AssemblyMeter"/>
    /// from <see cref="Init"/> (labelled with the task id) until <see cref="Close"/>: a store built only to be probed by
    /// the topology is never registered.
    /// </param>
    /// <param name="name">Store name, and so the changelog topic's middle part.</param>
    public OpenTraceStore(AssemblyConfig config, StringTable strings, TimeProvider timeProvider, AssemblyMetrics? metrics = null, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(strings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _config = config.Validate();
        _strictTraceId = config.TraceIdStrict;
        _strings = strings;
        _timeProvider = timeProvider;
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new AssemblyMetrics(registerWithMeter: false);
        Name = name;
        _ring = NewRing();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Always true: the store is rebuilt from its changelog.</summary>
    public bool LoggingEnabled => true;

    /// <summary>The settings the store was built with.</summary>
    public AssemblyConfig Config => _config;

    /// <summary>The table that resolves the names of held and emitted spans.</summary>
    public StringTable Strings => _strings;

    /// <summary>The store's counters.</summary>
    public AssemblyMetrics Metrics { get; }

    /// <summary>Traces currently open.</summary>
    public int OpenTraceCount => _openTraces;

    /// <summary>Spans currently held by open traces.</summary>
    public long OpenSpanCount => _openSpans;

    /// <summary>Accounted bytes of open traces: spans × <see cref="SpanSlotBytes"/> + traces × <see cref="TraceEntryBytes"/>.</summary>
    public long OpenBytes => _openBytes;

    /// <summary>Emitted traces remembered for late spans.</summary>
    public int RetainedTraceCount => _retainedTraces;

    /// <summary>Accounted bytes of what is remembered for late spans.</summary>
    public long RetainedBytes => _retainedBytes;

    /// <summary>The largest stream time (ms) the store has been given; -1 before any.</summary>
    public long StreamTimeMs => _streamMs;

    /// <summary>The largest wall-clock time (ms) the store has been given.</summary>
    public long WallClockMs => _wallMs;

    /// <summary>True while open traces exceed <c>assembly.max.open.bytes</c> or <c>assembly.max.open.traces</c>.</summary>
    public bool IsOverBudget => _openBytes > _config.MaxOpenBytes || (_config.MaxOpenTraces is int max && _openTraces > max);

    /// <summary>Adds one span. See <see cref="AddOutcome"/>; never throws for bad input.</summary>
    /// <param name="span">The span; copied.</param>
    /// <param name="streamTimeMs">The task's stream time (the store keeps the maximum it has seen).</param>
    /// <param name="wallClockMs">Wall clock now (the store keeps the maximum it has seen).</param>
    public AddOutcome TryAdd(in ModelSpan span, long streamTimeMs, long wallClockMs) =>
        TryAddRange(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in span), 1), streamTimeMs, wallClockMs);

    /// <summary>
    /// Adds spans that arrived together. Consecutive spans of one trace are handled as one group and logged as one
    /// changelog record (the repartition topic carries one trace per record, so usually the whole range is one group).
    /// </summary>
    /// <returns>The outcome for the range; see <see cref="AddOutcome"/> for precedence when groups differ.</returns>
    public AddOutcome TryAddRange(ReadOnlySpan<ModelSpan> spans, long streamTimeMs, long wallClockMs)
    {
        AdvanceClocks(streamTimeMs, wallClockMs);
        AddOutcome result = AddOutcome.Added;
        int start = 0;
        while (start < spans.Length)
        {
            TraceId key = JoinKey(spans[start].TraceId);
            int end = start + 1;
            while (end < spans.Length && JoinKey(spans[end].TraceId) == key) end++;
            AddOutcome outcome = AddGroup(spans[start..end]);
            if (Rank(outcome) > Rank(result)) result = outcome;
            start = end;
        }
        PublishGauges();
        return result;
    }

    /// <summary>Bookkeeping of an open trace, or false when <paramref name="traceId"/> is not open (either form of the id when not strict).</summary>
    public bool TryGetOpenTrace(TraceId traceId, out OpenTraceInfo info)
    {
        int h = _table.Find(JoinKey(traceId));
        if (h < 0 || _table[h].State != EntryState.Open)
        {
            info = default;
            return false;
        }
        ref TraceEntry e = ref _table[h];
        bool root = (e.Flags & EntryFlags.RootSeen) != 0;
        info = new OpenTraceInfo(ReportedId(ref e), e.SpanCount, e.Dropped, (e.Flags & EntryFlags.Truncated) != 0, e.Revision, root,
            e.FirstStreamMs, e.LastStreamMs, e.FirstWallMs, e.LastWallMs, root ? e.RootStreamMs : -1, root ? e.RootWallMs : -1);
        return true;
    }

    /// <summary>The ids of open traces, oldest first (by first arrival): the order memory pressure evicts in.</summary>
    public void CopyOpenTraceIds(List<TraceId> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        for (int h = _age.Head; h >= 0; h = _table[h].Next[TraceEntry.AgeList]) destination.Add(ReportedId(ref _table[h]));
    }

    /// <summary>The spans an open trace holds, in arrival order (a copy; for inspection and tests).</summary>
    public ModelSpan[] GetOpenSpans(TraceId traceId)
    {
        int h = _table.Find(JoinKey(traceId));
        if (h < 0 || _table[h].State != EntryState.Open) return [];
        var result = new ModelSpan[_table[h].SpanCount];
        _slab.Gather(_table[h].Head, ref result);
        return result;
    }

    // ---- what TraceAssembler reads and calls ---------------------------------------------------------------------

    internal int ActivityHead => _activity.Head;
    internal int AgeHead => _age.Head;
    internal int RootHead => _roots.Head;

    internal ref readonly TraceEntry Entry(int handle) => ref _table[handle];

    /// <summary>Moves the store's clocks forward (never back).</summary>
    internal void AdvanceClocks(long streamTimeMs, long wallClockMs)
    {
        if (streamTimeMs > _streamMs) _streamMs = streamTimeMs;
        if (wallClockMs > _wallMs) _wallMs = wallClockMs;
    }

    /// <summary>
    /// Emits the open trace <paramref name="handle"/>: copies its spans (dropping exact duplicates) into a new
    /// <see cref="Trace"/>, logs a tombstone, and moves the entry to late retention (or frees it).
    /// </summary>
    internal Trace Complete(int handle, CompletionReason reason)
    {
        ref TraceEntry e = ref _table[handle];
        var spans = e.SpanCount == 0 ? [] : new ModelSpan[e.SpanCount];
        int heldBefore = e.SpanCount;
        int count = CopyChainDroppingDuplicates(ref e, spans);
        int duplicates = heldBefore - count;
        if (duplicates > 0) Metrics.Dropped[(int)SpanDropReason.Duplicate] += duplicates;

        CompletionReason emitted = e.Revision > 0 ? CompletionReason.Late : reason;
        TraceId reported = ReportedId(ref e);
        if (!_strictTraceId)
        {
            // One id per trace downstream, as Zipkin's merge rewrites the 64-bit spans of a joined trace.
            for (int i = 0; i < count; i++) spans[i].TraceId = reported;
        }
        var trace = new Trace(reported, spans, count, _strings)
        {
            Truncated = (e.Flags & EntryFlags.Truncated) != 0,
            DroppedSpans = e.Dropped,
            Revision = e.Revision,
            Reason = emitted,
        };

        Unlink(ref _activity, TraceEntry.ActivityList, handle);
        Unlink(ref _age, TraceEntry.AgeList, handle);
        if ((e.Flags & EntryFlags.RootSeen) != 0) Unlink(ref _roots, TraceEntry.RootList, handle);
        _openTraces--;
        _openSpans -= heldBefore;
        _openBytes -= TraceEntryBytes + (long)heldBefore * SpanSlotBytes;
        LogEmitted(ref e);
        Metrics.Completed[(int)emitted]++;

        // The chain was just walked, so freeing it is cheap, and its slots are reused warm; late retention copies
        // what it keeps from the emitted array instead.
        _slab.FreeChain(e.Head);
        e.Head = e.Tail = -1;
        Retain(handle, spans.AsSpan(0, count));
        PublishGauges();
        return trace;
    }

    // ---- adding --------------------------------------------------------------------------------------------------

    private AddOutcome AddGroup(ReadOnlySpan<ModelSpan> group)
    {
        TraceId id = JoinKey(group[0].TraceId);
        if (id.IsEmpty)
        {
            Metrics.Dropped[(int)SpanDropReason.InvalidTraceId] += group.Length;
            return AddOutcome.Invalid;
        }

        AddOutcome outcome = AddOutcome.Added;
        bool relogWholeChain = false;
        int h = _table.Find(id);
        if (h >= 0 && _table[h].State == EntryState.Retained)
        {
            ref TraceEntry r = ref _table[h];
            if (RetentionExpired(ref r))
            {
                // Past late retention: a new trace (brief: "counted as expired-late"), not a revision.
                RemoveRetained(h);
                h = -1;
                Metrics.ExpiredLateSpansCount += group.Length;
            }
            else if (r.SpanCount >= _config.MaxSpansPerTrace)
            {
                // Reopening would re-emit a full trace only to drop the late span again; count and keep the record.
                r.Dropped += group.Length;
                r.Flags |= EntryFlags.Truncated;
                Metrics.Dropped[(int)SpanDropReason.TraceCap] += group.Length;
                Metrics.LateSpansCount += group.Length;
                return AddOutcome.TraceFull;
            }
            else
            {
                Reopen(h);
                outcome = AddOutcome.Late;
                relogWholeChain = true;
            }
        }
        if (h < 0)
        {
            h = OpenNew(id, revision: 0, _streamMs, _wallMs);
            Metrics.TracesOpenedCount++;
            outcome = AddOutcome.NewTrace;
        }

        ref TraceEntry e = ref _table[h];
        int firstNew = -1;
        int accepted = 0;
        bool truncatedNow = false;
        int cap = _config.MaxSpansPerTrace;
        for (int i = 0; i < group.Length; i++)
        {
            if (e.SpanCount >= cap)
            {
                e.Dropped++;
                if ((e.Flags & EntryFlags.Truncated) == 0)
                {
                    e.Flags |= EntryFlags.Truncated;
                    truncatedNow = true;
                }
                continue;
            }
            int slot = AppendSpan(h, ref e, in group[i], _streamMs, _wallMs);
            if (firstNew < 0) firstNew = slot;
            accepted++;
        }
        int dropped = group.Length - accepted;

        e.LastStreamMs = _streamMs;
        e.LastWallMs = _wallMs;
        MoveToTail(ref _activity, TraceEntry.ActivityList, h);
        _openSpans += accepted;
        _openBytes += (long)accepted * SpanSlotBytes;
        Metrics.SpansAddedCount += accepted;
        if (dropped > 0) Metrics.Dropped[(int)SpanDropReason.TraceCap] += dropped;
        if (e.Revision > 0) Metrics.LateSpansCount += group.Length;

        // Cached until Flush (one record per trace per commit). A reopened trace is logged whole, after the tombstone of
        // its previous emission, so restore rebuilds the revision; a flag-only change is logged too, restore must see it.
        if (relogWholeChain) MarkDirty(h, ref e, e.Head);
        else if (accepted > 0) MarkDirty(h, ref e, firstNew);
        else if (truncatedNow) MarkDirty(h, ref e, -1);

        return dropped > 0 ? AddOutcome.TraceFull : outcome;
    }

    private int OpenNew(TraceId id, int revision, long streamMs, long wallMs)
    {
        int h = _table.Add(id);
        ref TraceEntry e = ref _table[h];
        e.State = EntryState.Open;
        e.Revision = revision;
        e.FirstStreamMs = e.LastStreamMs = streamMs;
        e.FirstWallMs = e.LastWallMs = wallMs;
        Append(ref _age, TraceEntry.AgeList, h);
        Append(ref _activity, TraceEntry.ActivityList, h);
        _openTraces++;
        _openBytes += TraceEntryBytes;
        return h;
    }

    /// <summary>Links a span at the end of the trace's chain; notes the root's arrival.</summary>
    private int AppendSpan(int h, ref TraceEntry e, in ModelSpan span, long streamMs, long wallMs)
    {
        int slot = _slab.Allocate(in span);
        if (e.Tail >= 0) _slab.Next(e.Tail) = slot;
        else e.Head = slot;
        e.Tail = slot;
        e.SpanCount++;
        if (e.ReportedHigh == 0) e.ReportedHigh = span.TraceId.High; // the first 128-bit form names a joined trace
        if (span.IsRoot && (e.Flags & EntryFlags.RootSeen) == 0)
        {
            e.Flags |= EntryFlags.RootSeen;
            e.RootStreamMs = streamMs;
            e.RootWallMs = wallMs;
            Append(ref _roots, TraceEntry.RootList, h);
        }
        return slot;
    }

    /// <summary>The index key of a span's trace: its id, or the lower 64 bits of it under <c>assembly.trace.id.strict=false</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TraceId JoinKey(TraceId id) => Repartition.TraceIdKey.JoinKey(id, _strictTraceId);

    /// <summary>The id a trace is reported by: its key, with the high half of the first 128-bit span id when the key has none.</summary>
    private static TraceId ReportedId(ref TraceEntry e) =>
        e.TraceId.High != 0 ? e.TraceId : new TraceId(e.ReportedHigh, e.TraceId.Low);

    /// <summary>
    /// Copies the chain into <paramref name="destination"/> in arrival order, unlinking and freeing exact duplicates
    /// (same span id, start and kind: a redelivery, e.g. input replayed after a restore under at-least-once). Kind is
    /// part of the identity because Zipkin's shared spans give a client and its server the same span id.
    /// </summary>
    private int CopyChainDroppingDuplicates(ref TraceEntry e, ModelSpan[] destination)
    {
        int n = 0;
        if (e.SpanCount <= 1)
        {
            if (e.Head >= 0) destination[n++] = _slab.Span(e.Head);
            return n;
        }
        int size = 1;
        while (size < e.SpanCount * 2) size <<= 1;
        if (_dedup.Length < size) _dedup = new int[size];
        Array.Clear(_dedup, 0, size);
        int mask = size - 1;

        int prev = -1;
        int slot = e.Head;
        while (slot >= 0)
        {
            ref ModelSpan s = ref _slab.Span(slot);
            int next = _slab.Next(slot);
            ulong key = s.SpanId.Value ^ (ulong)s.StartUnixNanos * 0x9E3779B97F4A7C15UL ^ (ulong)s.Kind;
            int i = (int)(uint)(key ^ (key >> 29)) & mask;
            bool duplicate = false;
            while (_dedup[i] != 0)
            {
                ref ModelSpan seen = ref destination[_dedup[i] - 1];
                if (seen.SpanId == s.SpanId && seen.StartUnixNanos == s.StartUnixNanos && seen.Kind == s.Kind)
                {
                    duplicate = true;
                    break;
                }
                i = (i + 1) & mask;
            }
            if (duplicate)
            {
                _slab.Next(prev) = next; // the first span is never a duplicate, so prev exists
                if (e.Tail == slot) e.Tail = prev;
                _slab.Free(slot);
                e.SpanCount--;
            }
            else
            {
                destination[n] = s;
                _dedup[i] = ++n;
                prev = slot;
            }
            slot = next;
        }
        return n;
    }

    private void PublishGauges()
    {
        Volatile.Write(ref Metrics.OpenTracesGauge, _openTraces);
        Volatile.Write(ref Metrics.OpenSpansGauge, _openSpans);
        Volatile.Write(ref Metrics.StoreBytesGauge, _openBytes);
        Volatile.Write(ref Metrics.RetainedTracesGauge, _retainedTraces);
        Volatile.Write(ref Metrics.RetainedBytesGauge, _retainedBytes);
    }

    private static int Rank(AddOutcome outcome) => outcome switch
    {
        AddOutcome.Invalid => 4,
        AddOutcome.TraceFull => 3,
        AddOutcome.Late => 2,
        AddOutcome.NewTrace => 1,
        _ => 0,
    };

    /// <summary>Drops all state (used before a restore into a reused instance, and on close to give memory back).</summary>
    private void Reset()
    {
        _table = new TraceTable();
        _slab = new SpanSlab();
        _ring = NewRing();
        _activity = _age = _roots = _retained = _holders = ListEnds.Empty;
        _openTraces = _retainedTraces = 0;
        _openSpans = _openBytes = _retainedBytes = 0;
        _streamMs = -1;
        _wallMs = 0;
        PublishGauges();
    }

    // ---- intrusive lists -----------------------------------------------------------------------------------------

    private struct ListEnds
    {
        public int Head;
        public int Tail;
        public static ListEnds Empty => new() { Head = -1, Tail = -1 };
    }

    private void Append(ref ListEnds list, int link, int h)
    {
        ref TraceEntry e = ref _table[h];
        e.Prev[link] = list.Tail;
        e.Next[link] = -1;
        if (list.Tail >= 0) _table[list.Tail].Next[link] = h;
        else list.Head = h;
        list.Tail = h;
    }

    private void Unlink(ref ListEnds list, int link, int h)
    {
        ref TraceEntry e = ref _table[h];
        int prev = e.Prev[link];
        int next = e.Next[link];
        if (prev >= 0) _table[prev].Next[link] = next;
        else list.Head = next;
        if (next >= 0) _table[next].Prev[link] = prev;
        else list.Tail = prev;
        e.Prev[link] = -1;
        e.Next[link] = -1;
    }

    private void MoveToTail(ref ListEnds list, int link, int h)
    {
        if (list.Tail == h) return;
        Unlink(ref list, link, h);
        Append(ref list, link, h);
    }
}
