namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// The schedules of one clock of one task, ordered by next due time. <see cref="MaybePunctuate"/> fires every schedule
/// due at <c>nowMs</c>. Cancelled schedules are dropped lazily when they reach the head. Not thread-safe (task-local).
/// </summary>
internal sealed class PunctuationQueue
{
    private readonly PriorityQueue<PunctuationSchedule, long> _queue = new();
    private readonly List<PunctuationSchedule> _unanchored = new();
    private readonly List<PunctuationSchedule> _due = new();

    public int Count => _queue.Count + _unanchored.Count;

    /// <summary>Adds a schedule first due at <paramref name="firstMs"/>, or, if that is <see cref="PunctuationSchedule.Unanchored"/>, one interval after the clock is first observed.</summary>
    public PunctuationSchedule Schedule(Api.IPunctuator punctuator, long intervalMs, long firstMs)
    {
        if (intervalMs <= 0) throw new ArgumentOutOfRangeException(nameof(intervalMs), intervalMs, "punctuation interval must be at least 1 ms");
        var schedule = new PunctuationSchedule(punctuator, intervalMs, firstMs);
        if (firstMs == PunctuationSchedule.Unanchored) _unanchored.Add(schedule);
        else _queue.Enqueue(schedule, firstMs);
        return schedule;
    }

    /// <summary>True if some schedule is due at <paramref name="nowMs"/> (may be a cancelled one).</summary>
    public bool CanPunctuate(long nowMs) => _queue.TryPeek(out _, out long next) && next <= nowMs;

    /// <summary>
    /// Fires, in due-time order, every schedule due at <paramref name="nowMs"/>, each once, passing <paramref name="nowMs"/>.
    /// Schedules added or cancelled by a punctuator take effect for the next call. Returns whether any fired. If a
    /// punctuator throws, the exception propagates and the schedule stays due.
    /// </summary>
    public bool MaybePunctuate(long nowMs, Action<PunctuationSchedule, long> fire)
    {
        if (nowMs < 0) return false;
        if (_unanchored.Count > 0)
        {
            foreach (var s in _unanchored)
            {
                if (s.IsCancelled) continue;
                s.NextMs = nowMs + s.IntervalMs;
                _queue.Enqueue(s, s.NextMs);
            }
            _unanchored.Clear();
        }
        _due.Clear();
        while (_queue.TryPeek(out var head, out long next) && next <= nowMs)
        {
            _queue.Dequeue();
            if (!head.IsCancelled) _due.Add(head);
        }
        bool fired = false;
        for (int i = 0; i < _due.Count; i++)
        {
            var s = _due[i];
            if (s.IsCancelled) continue;
            try
            {
                fire(s, nowMs);
            }
            catch
            {
                // Keep the failing and the not-yet-fired schedules; the task is failing anyway, but state must stay consistent.
                for (int j = i; j < _due.Count; j++)
                {
                    if (!_due[j].IsCancelled) _queue.Enqueue(_due[j], _due[j].NextMs);
                }
                _due.Clear();
                throw;
            }
            fired = true;
            s.Advance(nowMs);
            if (!s.IsCancelled) _queue.Enqueue(s, s.NextMs);
        }
        _due.Clear();
        return fired;
    }
}
