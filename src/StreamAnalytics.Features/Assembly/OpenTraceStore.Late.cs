namespace StreamAnalytics.Features.Assembly;

// Late retention: what the store remembers of emitted traces, bounded by assembly.late.retention.ms and
// assembly.late.max.bytes. Retained entries stay in the index (so a late span finds them with the same lookup as an
// open trace) and sit on two lists: all retained entries by emission time, and the subset still holding spans.
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

    /// <summary>After emission: keep the entry (and its spans when they fit) for late spans, or free it.</summary>
    private void Retain(int h)
    {
        ref TraceEntry e = ref _table[h];
        long budget = _config.LateMaxBytes;
        if (_config.LateRetentionMs <= 0 || budget < TraceEntryBytes)
        {
            _slab.FreeChain(e.Head);
            _table.Remove(h);
            return;
        }

        e.State = EntryState.Retained;
        e.LastStreamMs = _streamMs; // emission time from here on
        e.LastWallMs = _wallMs;
        long spanBytes = (long)e.SpanCount * SpanSlotBytes;
        bool keepSpans = e.Head >= 0 && TraceEntryBytes + spanBytes <= budget;
        if (!keepSpans)
        {
            if (e.Head >= 0)
            {
                Metrics.RetainedSpansReleasedCount += _slab.FreeChain(e.Head);
                e.Head = e.Tail = -1;
            }
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
            e.Flags |= EntryFlags.SpansRetained;
            Append(ref _holders, TraceEntry.ActivityList, h);
        }
        _retainedBytes += need;
        _retainedTraces++;
    }

    private void ReleaseRetainedSpans(int h)
    {
        ref TraceEntry e = ref _table[h];
        Unlink(ref _holders, TraceEntry.ActivityList, h);
        Metrics.RetainedSpansReleasedCount += _slab.FreeChain(e.Head);
        e.Head = e.Tail = -1;
        e.Flags &= ~EntryFlags.SpansRetained;
        _retainedBytes -= (long)e.SpanCount * SpanSlotBytes; // SpanCount stays: a partial revision reports it as dropped
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

    /// <summary>Turns a retained entry back into an open trace: the next revision, with its earlier spans when still held.</summary>
    private void Reopen(int h)
    {
        ref TraceEntry e = ref _table[h];
        bool hasSpans = (e.Flags & EntryFlags.SpansRetained) != 0;
        if (hasSpans) Unlink(ref _holders, TraceEntry.ActivityList, h);
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
