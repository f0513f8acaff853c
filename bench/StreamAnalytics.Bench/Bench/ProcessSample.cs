using System.Diagnostics;

namespace StreamAnalytics.Bench;

/// <summary>
/// What the process had used at one moment, taken at both ends of a timed window: the <see cref="Stopwatch"/> timestamp,
/// CPU time and managed bytes allocated, both of every thread (the embedded brokers' included).
/// </summary>
internal readonly record struct ProcessSample(long Timestamp, TimeSpan Cpu, long Allocated)
{
    public static ProcessSample Take() => new(Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes());

    /// <summary>Seconds from this sample to <paramref name="later"/>.</summary>
    public double SecondsTo(ProcessSample later) => Stopwatch.GetElapsedTime(Timestamp, later.Timestamp).TotalSeconds;
}
