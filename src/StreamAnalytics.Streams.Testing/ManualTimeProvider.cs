namespace StreamAnalytics.Streams.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock only moves when told to: time-dependent logic (wall-clock punctuation,
/// inactivity gaps, back-off) is tested by advancing it instead of sleeping.
/// </summary>
/// <remarks>Thread-safe. Timers are not supported; the runtime polls <see cref="TimeProvider.GetUtcNow"/> instead.</remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _utcTicks;

    public ManualTimeProvider(DateTimeOffset start) => _utcTicks = start.UtcTicks;

    public ManualTimeProvider() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _utcTicks);

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "time only moves forward");
        Interlocked.Add(ref _utcTicks, by.Ticks);
    }

    public void AdvanceMs(long ms) => Advance(TimeSpan.FromMilliseconds(ms));
}
