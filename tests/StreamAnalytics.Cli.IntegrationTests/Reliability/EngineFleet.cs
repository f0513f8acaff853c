using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Several engine processes of one application sharing a cluster: slots that can be killed, restarted (a new
/// incarnation with its own output directory), stopped gracefully, and polled until the job has caught up.
/// Dispose kills whatever still runs.
/// </summary>
public sealed class EngineFleet : IDisposable
{
    private readonly ReliabilityCluster _cluster;
    private readonly string _outputRoot;
    private readonly Dictionary<string, string> _settings;
    private readonly ITestOutputHelper _output;
    private readonly List<EngineProcess> _all = new();
    private readonly Dictionary<int, EngineProcess> _running = new();
    private readonly Dictionary<int, int> _incarnations = new();

    public EngineFleet(ReliabilityCluster cluster, string outputRoot, IReadOnlyDictionary<string, string> settings, ITestOutputHelper output)
    {
        _cluster = cluster;
        _outputRoot = outputRoot;
        _settings = new Dictionary<string, string>(settings);
        _output = output;
    }

    public IReadOnlyCollection<int> RunningSlots => _running.Keys;

    public EngineProcess this[int slot] => _running[slot];

    public int Kills { get; private set; }

    public int Starts => _all.Count;

    public long PeakRssBytes => _all.Count == 0 ? 0 : _all.Max(e => e.PeakRssBytes);

    public EngineProcess Start(int slot)
    {
        int n = _incarnations.GetValueOrDefault(slot);
        _incarnations[slot] = n + 1;
        var engine = EngineProcess.Start($"engine{slot}-{n}", _cluster.Bootstrap, _cluster.ApplicationId, _outputRoot, _settings);
        _all.Add(engine);
        _running[slot] = engine;
        _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} started {engine.Name} (pid {engine.Id})");
        return engine;
    }

    public void Kill(int slot)
    {
        var engine = _running[slot];
        engine.Kill();
        _running.Remove(slot);
        Kills++;
        _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGKILL {engine.Name} (pid {engine.Id})");
    }

    /// <summary>SIGTERM; asserts a graceful exit (code 0) within the bound.</summary>
    public async Task StopAsync(int slot)
    {
        var engine = _running[slot];
        _running.Remove(slot);
        int code = await engine.StopAsync(TimeSpan.FromSeconds(60));
        _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} stopped {engine.Name}: exit {code}");
        Assert.True(code == 0, $"{engine.Name} exited {code}\n{EngineProcess.Tail(engine.Stdout)}\n{engine.Stderr}");
    }

    public async Task StopAllAsync()
    {
        foreach (int slot in _running.Keys.ToList()) await StopAsync(slot);
    }

    /// <summary>
    /// Waits (bounded) until the running engines have caught up: every input partition assigned and without lag, no
    /// open trace, and at least <paramref name="expectedTraces"/> distinct traces written; all stable over two polls.
    /// </summary>
    public async Task WaitCaughtUpAsync(int expectedTraces, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int stable = 0;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            foreach (var e in _running.Values)
                Assert.False(e.HasExited, $"{e.Name} exited unexpectedly\n{EngineProcess.Tail(e.Stdout)}\n{e.Stderr}");
            double lag = 0, open = 0, queued = 0, sourcePartitions = 0;
            bool scraped = true;
            foreach (var e in _running.Values)
            {
                string? m = await e.GetAsync("/metrics");
                if (m is null) { scraped = false; break; }
                lag += MetricsScraper.Sum(m, "trace_analytics_streams_consumer_lag");
                queued += MetricsScraper.Sum(m, "trace_analytics_streams_queue_size");
                open += MetricsScraper.Sum(m, "trace_analytics_assembly_open_traces");
                sourcePartitions += m.Split('\n').Count(l => l.StartsWith("trace_analytics_streams_queue_size{", StringComparison.Ordinal) && l.Contains($"topic=\"{ReliabilityCluster.SourceTopic}\"", StringComparison.Ordinal));
            }
            int traces = FeatureOutput.DistinctTraces(_outputRoot);
            string now = $"traces {traces}/{expectedTraces}, lag {lag}, queued {queued}, open {open}, source partitions {sourcePartitions}/{_cluster.Partitions}";
            bool done = scraped && traces >= expectedTraces && lag == 0 && queued == 0 && open == 0 && sourcePartitions == _cluster.Partitions;
            stable = done && now == last ? stable + 1 : 0;
            if (now != last) _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {now}");
            last = now;
            if (stable >= 2) return;
            await Task.Delay(1000);
        }
        throw new TimeoutException($"the engines did not catch up within {timeout}: {last}\n" +
            string.Join("\n", _running.Values.Select(e => $"--- {e.Name}\n{EngineProcess.Tail(e.Stdout, 30)}")));
    }

    public void Dispose()
    {
        foreach (var e in _all)
        {
            e.Dispose();
            // Next to the engine's outputs, for diagnosis when a test fails (the test keeps the directory then).
            try { File.WriteAllText(Path.Combine(_outputRoot, e.Name + ".log"), e.Stdout + "\n--- stderr\n" + e.Stderr); }
            catch (IOException) { }
        }
    }
}
