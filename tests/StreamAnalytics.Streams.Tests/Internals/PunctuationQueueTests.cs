using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Internals;

namespace StreamAnalytics.Streams.Tests.Internals;

public class PunctuationQueueTests
{
    private readonly PunctuationQueue _queue = new();
    private readonly List<(IPunctuator P, long At)> _fired = new();

    private bool Punctuate(long now) => _queue.MaybePunctuate(now, (s, t) =>
    {
        _fired.Add((s.Punctuator, t));
        s.Punctuator.Punctuate(t);
    });

    [Fact]
    public void A_schedule_fires_once_its_time_has_come_and_not_before()
    {
        var p = new Recorder();
        _queue.Schedule(p, intervalMs: 100, firstMs: 1100);
        Assert.False(Punctuate(1099));
        Assert.True(Punctuate(1100));
        Assert.Equal([1100L], p.Times);
        Assert.False(Punctuate(1150));
        Assert.True(Punctuate(1200));
        Assert.Equal([1100L, 1200L], p.Times);
    }

    [Fact]
    public void A_cancelled_schedule_never_fires()
    {
        var p = new Recorder();
        var schedule = _queue.Schedule(p, 100, 100);
        schedule.Cancel();
        Assert.False(Punctuate(10_000));
        Assert.Empty(p.Times);
    }

    [Fact]
    public void Missed_intervals_fire_once_and_the_schedule_stays_on_its_grid()
    {
        var p = new Recorder();
        _queue.Schedule(p, 100, 100);
        Punctuate(1_050);
        Assert.Equal([1_050L], p.Times);
        Assert.False(Punctuate(1_099));
        Assert.True(Punctuate(1_100));
    }

    [Fact]
    public void An_unanchored_schedule_starts_counting_from_the_first_observed_time()
    {
        var p = new Recorder();
        _queue.Schedule(p, 100, PunctuationSchedule.Unanchored);
        Assert.False(Punctuate(5_000));
        Assert.False(Punctuate(5_099));
        Assert.True(Punctuate(5_100));
    }

    [Fact]
    public void Schedules_fire_in_due_time_order()
    {
        var late = new Recorder();
        var early = new Recorder();
        _queue.Schedule(late, 1000, 300);
        _queue.Schedule(early, 1000, 200);
        Punctuate(400);
        Assert.Same(early, _fired[0].P);
        Assert.Same(late, _fired[1].P);
    }

    [Fact]
    public void A_schedule_cancelled_by_an_earlier_punctuator_in_the_same_round_does_not_fire()
    {
        var victim = new Recorder();
        PunctuationSchedule? victimSchedule = null;
        _queue.Schedule(new Callback(_ => victimSchedule!.Cancel()), 100, 100);
        victimSchedule = _queue.Schedule(victim, 100, 150);
        Punctuate(200);
        Assert.Empty(victim.Times);
    }

    [Fact]
    public void A_punctuator_that_throws_stays_due_and_the_exception_propagates()
    {
        var thrower = new Callback(_ => throw new InvalidOperationException("boom"));
        _queue.Schedule(thrower, 100, 100);
        Assert.Throws<InvalidOperationException>(() => Punctuate(100));
        Assert.True(_queue.CanPunctuate(100));
    }

    private sealed class Recorder : IPunctuator
    {
        public List<long> Times { get; } = new();

        public void Punctuate(long timestampMs) => Times.Add(timestampMs);
    }

    private sealed class Callback(Action<long> action) : IPunctuator
    {
        public void Punctuate(long timestampMs) => action(timestampMs);
    }
}
