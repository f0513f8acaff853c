using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// One incarnation of the engine (<c>streamanalytics run</c>) as a child process: its own file-sink directory (so a
/// SIGKILLed incarnation's files are never appended to by another process), its own metrics port, and a sampler of the
/// process's peak resident memory (<c>VmHWM</c>, read while it runs: /proc forgets it at exit).
/// </summary>
public sealed class EngineProcess : IDisposable
{
    private readonly CliProcess _process;
    private readonly Timer _sampler;
    private long _peakRssBytes;

    private EngineProcess(CliProcess process, string name, string outputDirectory, int metricsPort)
    {
        _process = process;
        Name = name;
        OutputDirectory = outputDirectory;
        MetricsPort = metricsPort;
        _sampler = new Timer(_ => SampleMemory(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
    }

    public string Name { get; }

    /// <summary>The file sink's directory (<c>traces.ndjson</c>, plain format).</summary>
    public string OutputDirectory { get; }

    public int MetricsPort { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stdout => _process.Stdout;

    public string Stderr => _process.Stderr;

    /// <summary>Largest resident set seen (bytes), from /proc/PID/status VmHWM.</summary>
    public long PeakRssBytes => Interlocked.Read(ref _peakRssBytes);

    /// <summary>
    /// Starts <c>run</c> against <paramref name="bootstrap"/> with the file sink in <c>plain</c> format, Elasticsearch
    /// off, metrics on 127.0.0.1 and a short session timeout (so a SIGKILLed member leaves the group within seconds).
    /// </summary>
    public static EngineProcess Start(string name, string bootstrap, string applicationId, string outputRoot, IEnumerable<KeyValuePair<string, string>> settings,
        IDictionary<string, string>? env = null)
    {
        string dir = Path.Combine(outputRoot, name);
        int port = FreePort();
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["application.id"] = applicationId,
            ["kafka.bootstrap.servers"] = bootstrap,
            ["source.topics"] = "spans",
            ["source.format"] = "otlp_proto",
            ["elasticsearch.urls"] = "",
            ["file.dir"] = dir,
            ["file.format"] = "plain",
            ["metrics.bind"] = $"127.0.0.1:{port}",
            ["commit.interval.ms"] = "500",
            ["kafka.consumer.session.timeout.ms"] = "6000",
            ["kafka.consumer.heartbeat.interval.ms"] = "500",
            ["shutdown.timeout.ms"] = "20000",
        };
        foreach (var kv in settings) all[kv.Key] = kv.Value;
        var args = new List<string> { "run" };
        foreach (var kv in all) { args.Add("--set"); args.Add($"{kv.Key}={kv.Value}"); }
        return new EngineProcess(CliProcess.Start(args, env), name, dir, port);
    }

    /// <summary>SIGKILL, as when a node dies: no flush, no commit, no leave-group.</summary>
    public void Kill()
    {
        SampleMemory();
        _process.Kill();
    }

    /// <summary>SIGTERM and a bounded wait; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        SampleMemory();
        _process.Terminate();
        return await _process.WaitForExitAsync(timeout);
    }

    public Task<string?> GetAsync(string path) => MetricsScraper.GetAsync(MetricsPort, path);

    /// <summary>Waits (bounded) until <c>/readyz</c> answers 200: partitions assigned and restored.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited ({_process.Stderr})\n{Tail(_process.Stdout)}");
            var (status, _) = await MetricsScraper.GetStatusAsync(MetricsPort, "/readyz");
            if (status == HttpStatusCode.OK) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout}\n{Tail(_process.Stdout)}");
    }

    public void Dispose()
    {
        _sampler.Dispose();
        _process.Dispose();
    }

    private void SampleMemory()
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                long kb = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                long bytes = kb * 1024, seen;
                do { seen = Interlocked.Read(ref _peakRssBytes); }
                while (bytes > seen && Interlocked.CompareExchange(ref _peakRssBytes, bytes, seen) != seen);
                return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            // The process is gone (or going): its last sample stands.
        }
    }

    internal static string Tail(string text, int lines = 60)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
