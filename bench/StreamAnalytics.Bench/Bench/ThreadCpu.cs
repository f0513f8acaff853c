namespace StreamAnalytics.Bench;

/// <summary>
/// CPU time per thread of this process from <c>/proc/self/task</c> (Linux only): what <c>bench</c> prints with
/// <c>BENCH_THREAD_CPU=1</c> to show where the cores went during the job's drain, native librdkafka threads included.
/// </summary>
internal static class ThreadCpu
{
    /// <summary>Clock ticks per second of the counts in <c>/proc</c> (USER_HZ).</summary>
    public const int TicksPerSecond = 100;

    public static Dictionary<int, (string Name, long Ticks)> Snapshot()
    {
        var result = new Dictionary<int, (string, long)>();
        try
        {
            foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                    string name = stat[(open + 1)..close];
                    string[] fields = stat[(close + 2)..].Split(' ');
                    long ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                    result[int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture)] = (name, ticks);
                }
                catch (IOException) { }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return result;
    }

    /// <summary>CPU ticks per thread name between two snapshots (a thread new since <paramref name="before"/> counts from 0).</summary>
    public static Dictionary<string, long> TicksByName(Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after)
    {
        var byName = new Dictionary<string, long>();
        foreach (var (tid, (name, ticks)) in after)
        {
            long delta = ticks - (before.TryGetValue(tid, out var b) ? b.Ticks : 0);
            byName[name] = byName.GetValueOrDefault(name) + delta;
        }
        return byName;
    }

    /// <summary>CPU seconds per thread name between two snapshots, busiest first.</summary>
    public static string Describe(Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after, TimeSpan elapsed)
    {
        var byName = TicksByName(before, after);
        const double hz = TicksPerSecond;
        var lines = byName.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
            .Select(kv => $"    {kv.Key,-16} {kv.Value / hz,6:F2} s cpu ({100 * kv.Value / hz / elapsed.TotalSeconds,3:F0}% of one core)");
        return $"  thread cpu over {elapsed.TotalSeconds:F2} s:\n" + string.Join('\n', lines);
    }
}
