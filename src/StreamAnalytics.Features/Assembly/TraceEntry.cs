using System.Runtime.CompilerServices;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Assembly;

/// <summary>Where an entry is in its life.</summary>
internal enum EntryState : byte
{
    Free = 0,
    /// <summary>Collecting spans; linked into the activity, age and (once the root arrived) root lists.</summary>
    Open = 1,
    /// <summary>Emitted and remembered for late spans; linked into the retained list and, while it keeps spans, the holder list.</summary>
    Retained = 2,
}

[Flags]
internal enum EntryFlags : byte
{
    None = 0,
    RootSeen = 1,
    /// <summary>Spans were dropped (per-trace cap) or earlier spans were not retained: the trace is not whole.</summary>
    Truncated = 2,
    /// <summary>A retained entry still holds its spans, as a run in the <see cref="RetentionRing"/>.</summary>
    SpansRetained = 4,
    /// <summary>Open and changed since the last <see cref="OpenTraceStore.Flush"/>: on the store's dirty list.</summary>
    Dirty = 8,
}

/// <summary>Three pairs of intrusive list links; which lists they serve depends on <see cref="EntryState"/>.</summary>
[InlineArray(3)]
internal struct Links
{
    private int _element;
}

/// <summary>
/// The compact per-trace record (128 bytes). Lives in <see cref="TraceTable"/>'s chunks and is addressed by an
/// int handle, so an open trace costs no object of its own.
/// </summary>
/// <remarks>
/// Time stamps are the store's stream time / wall clock when a span arrived (not span times), so they are monotone in
/// arrival order and every list below stays sorted by both clocks without a priority queue. For a retained entry,
/// <see cref="LastStreamMs"/>/<see cref="LastWallMs"/> hold the emission time instead.
/// </remarks>
internal struct TraceEntry
{
    public const int ActivityList = 0; // open: by last arrival; retained: entries still holding spans, by emission
    public const int AgeList = 1;      // open: by first arrival; retained: all retained entries, by emission
    public const int RootList = 2;     // open: by root arrival

    /// <summary>The index key (<see cref="Repartition.TraceIdKey.JoinKey"/>): the trace id, or its lower 64 bits when not strict.</summary>
    public TraceId TraceId;
    /// <summary>
    /// High half of the first span id that had one: a trace keyed by its lower 64 bits reports this 128-bit form.
    /// Rebuilt by restore (spans are re-added) and kept across revisions.
    /// </summary>
    public ulong ReportedHigh;
    public long FirstStreamMs;
    public long FirstWallMs;
    public long LastStreamMs;
    public long LastWallMs;
    public long RootStreamMs;
    public long RootWallMs;
    /// <summary>
    /// Open: first and last span slot in <see cref="SpanSlab"/>, -1 when none. Retained with
    /// <see cref="EntryFlags.SpansRetained"/>: <see cref="Head"/> is the run's position in <see cref="RetentionRing"/>
    /// (its length is <see cref="SpanCount"/>) and <see cref="Tail"/> is -1.
    /// </summary>
    public int Head;
    public int Tail;
    /// <summary>Spans in the chain; for a retained entry whose spans were released, how many it had.</summary>
    public int SpanCount;
    /// <summary>Spans dropped by the cap, plus earlier spans that were not retained for this revision.</summary>
    public int Dropped;
    public int Revision;
    /// <summary>Open: first span slot not yet in the changelog (the record cache), -1 when every span is logged.</summary>
    public int Unlogged;
    /// <summary>Open: changelog keys (chunks) this revision has written; its emission tombstones each of them.</summary>
    public int Chunks;
    public Links Prev;
    public Links Next;
    public EntryState State;
    public EntryFlags Flags;
}
