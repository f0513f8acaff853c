using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Assembly;

// Late retention: what the store remembers of emitted traces, bounded by assembly.late.retention.ms and
// assembly.late.max.bytes. Retained entries stay in the index (so a late span finds them with the same lookup as an
// open trace) and sit on two lists: all retained entries by emission time, and the subset still holding spans. The
// spans of the latter are runs in the retention ring, in the same order as that list (both follow emission), so
// releasing the oldest holder's spans moves the ring's tail.
public sealed partial class OpenTraceStore
{
    /// <summary>Forgets emitted traces whose late retention has passed (by stream time or wall clock). Returns how many.</summary>
    internal int ExpireRetained()
    {
        int n = 0;
        while (_retained.Head >= 0 && RetentionExpired(ref _table[_retained.Head]))
        {
            RemoveRetained(_retained.Head);
            n++;
        }
        if (n > 0) PublishGauges();
        return n;
    }

    private bool RetentionExpired(ref TraceEntry e) =>
        _streamMs - e.LastStreamMs >= _config.LateRetentionMs || _wallMs - e.LastWallMs >= _config.LateRetentionMs;

    /// <summary>
    /// After emission: keep the entry (and its spans, given in emitted order, when they fit) for late spans, or free it.
    /// The entry's slab chain is already freed. Retained spans are accounted at <see cref="SpanSlotBytes"/> like open
    /// ones (the ring stores them without the link), so the budget means what it always meant.
    /// </summary>
    private void Retain(int h, ReadOnlySpan<ModelSpan> spans)
    {
        ref TraceEntry e = ref _table[h];
        long budget = _config.LateMaxBytes;
        if (_config.LateRetentionMs <= 0 || budget < TraceEntryBytes)
        {
            _table.Remove(h);
            return;
        }

        e.State = EntryState.Retained;
        e.LastStreamMs = _streamMs; // emission time from here on
        e.LastWallMs = _wallMs;
        long spanBytes = (long)spans.Length * SpanSlotBytes;
        bool keepSpans = spans.Length > 0 && TraceEntryBytes + spanBytes <= budget;
        if (!keepSpans)
        {
            Metrics.RetainedSpansReleasedCount += spans.Length;
            spanBytes = 0;
        }
        long need = TraceEntryBytes + spanBytes;

        // Spans go before records: a record alone still turns a late span into a (partial) revision instead of a
        // duplicate revision 0 of the same trace id.
        while (_retainedBytes + need > budget)
        {
            if (_holders.Head >= 0) ReleaseRetainedSpans(_holders.Head);
            else if (_retained.Head >= 0)
            {
                RemoveRetained(_retained.Head);
                Metrics.RetainedTracesEvictedCount++;
            }
            else break;
        }

        Append(ref _retained, TraceEntry.AgeList, h);
        if (keepSpans)
        {
            if (_ring.ShouldCompact(spans.Length)) CompactRing();
            e.Head = _ring.Append(spans);
            e.Flags |= EntryFlags.SpansRetained;
            Append(ref _holders, TraceEntry.ActivityList, h);
        }
        _retainedBytes += need;
        _retainedTraces++;
    }

    private void ReleaseRetainedSpans(int h)
    {
        ref TraceEntry e = ref _table[h];
        LeaveRing(h);
        Metrics.RetainedSpansReleasedCount += e.SpanCount;
        e.Head = e.Tail = -1;
        e.Flags &= ~EntryFlags.SpansRetained;
        _retainedBytes -= (long)e.SpanCount * SpanSlotBytes; // SpanCount stays: a partial revision reports it as dropped
    }

    /// <summary>Takes a holder off the holder list and gives its run back to the ring (whose tail follows the oldest holder).</summary>
    private void LeaveRing(int h)
    {
        Unlink(ref _holders, TraceEntry.ActivityList, h);
        _ring.Release(_table[h].SpanCount, _holders.Head >= 0 ? _table[_holders.Head].Head : _ring.End);
    }

    /// <summary>Closes the holes left by runs given up out of order: holders' runs move toward the tail, in order.</summary>
    private void CompactRing()
    {
        int to = _holders.Head >= 0 ? _table[_holders.Head].Head : _ring.End;
        for (int h = _holders.Head; h >= 0; h = _table[h].Next[TraceEntry.ActivityList])
        {
            ref TraceEntry e = ref _table[h];
            if (e.Head != to) _ring.Move(e.Head, to, e.SpanCount);
            e.Head = to;
            to = unchecked(to + e.SpanCount);
        }
        _ring.TruncateTo(to);
    }

    /// <summary>Forgets a retained entry entirely.</summary>
    private void RemoveRetained(int h)
    {
        ref TraceEntry e = ref _table[h];
        if ((e.Flags & EntryFlags.SpansRetained) != 0) ReleaseRetainedSpans(h);
        Unlink(ref _retained, TraceEntry.AgeList, h);
        _retainedBytes -= TraceEntryBytes;
        _retainedTraces--;
        _table.Remove(h);
    }

    /// <summary>The retention ring (for tests).</summary>
    internal RetentionRing Ring => _ring;

    /// <summary>The most spans the late budget can account for: the ring's soft size.</summary>
    private RetentionRing NewRing() => new(_config.LateMaxBytes / SpanSlotBytes);

    /// <summary>Turns a retained entry back into an open trace: the next revision, with its earlier spans when still held.</summary>
    private void Reopen(int h)
    {
        ref TraceEntry e = ref _table[h];
        bool hasSpans = (e.Flags & EntryFlags.SpansRetained) != 0;
        if (hasSpans)
        {
            // Back into a slab chain (rare: only late spans pay for it), then the run becomes a hole in the ring.
            int run = e.Head;
            int prev = -1;
            for (int i = 0; i < e.SpanCount; i++)
            {
                int slot = _slab.Allocate(in _ring.At(run, i));
                if (prev >= 0) _slab.Next(prev) = slot;
                else e.Head = slot;
                prev = slot;
            }
            e.Tail = prev;
            LeaveRing(h);
        }
        Unlink(ref _retained, TraceEntry.AgeList, h);
        _retainedBytes -= TraceEntryBytes + (hasSpans ? (long)e.SpanCount * SpanSlotBytes : 0);
        _retainedTraces--;

        e.State = EntryState.Open;
        e.Revision++;
        e.FirstStreamMs = e.LastStreamMs = _streamMs;
        e.FirstWallMs = e.LastWallMs = _wallMs;
        e.Flags &= ~EntryFlags.SpansRetained;
        if (hasSpans)
        {
            _openSpans += e.SpanCount;
            _openBytes += (long)e.SpanCount * SpanSlotBytes;
            // The root is among the retained spans: the root rule closes the revision root.grace.ms after the late span.
            if ((e.Flags & EntryFlags.RootSeen) != 0)
            {
                e.RootStreamMs = _streamMs;
                e.RootWallMs = _wallMs;
                Append(ref _roots, TraceEntry.RootList, h);
            }
        }
        else
        {
            // Only the late spans will be in this revision: say so through Truncated/DroppedSpans.
            if (e.SpanCount > 0) e.Flags |= EntryFlags.Truncated;
            e.Dropped += e.SpanCount;
            e.SpanCount = 0;
            e.Flags &= ~EntryFlags.RootSeen;
            Metrics.PartialLateRevisionsCount++;
        }
        Append(ref _age, TraceEntry.AgeList, h);
        Append(ref _activity, TraceEntry.ActivityList, h);
        _openTraces++;
        _openBytes += TraceEntryBytes;
        Metrics.LateRevisionsCount++;
    }
}
