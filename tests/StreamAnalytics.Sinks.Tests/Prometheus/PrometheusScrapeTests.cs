using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using StreamAnalytics.Sinks.Prometheus;

namespace StreamAnalytics.Sinks.Tests.Prometheus;

/// <summary>
/// A real Prometheus (Debian's 2.42) on 127.0.0.1 scrapes the exporter every second and answers PromQL over its HTTP
/// API: proof that the exposition is accepted by the real parser (it asks for OpenMetrics first).
/// </summary>
public sealed class PrometheusScrapeTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sa-prometheus-" + Guid.NewGuid().ToString("N"));
    private readonly string _meterName = "StreamAnalytics.Traces.Scrape." + Guid.NewGuid().ToString("N");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly StringBuilder _prometheusOutput = new();
    private DerivedMetrics _derived = null!;
    private MetricsCollector _collector = null!;
    private MetricsServer _server = null!;
    private Process? _prometheus;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _derived = new DerivedMetrics(_meterName);
        var config = new PrometheusExporterConfig { Bind = new IPEndPoint(IPAddress.Loopback, 0), Meters = [_meterName] };
        _collector = new MetricsCollector(config);
        _server = new MetricsServer(config, _collector);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is { HasExited: false })
        {
            _prometheus.Kill(entireProcessTree: true);
            await _prometheus.WaitForExitAsync();
        }
        _prometheus?.Dispose();
        await _server.DisposeAsync();
        _collector.Dispose();
        _derived.Dispose();
        _http.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [PrometheusFact("prometheus")]
    public async Task A_real_prometheus_scrapes_the_exporter_and_answers_a_promql_query_for_a_derived_metric()
    {
        var f = TestDocuments.Features(0xfeed);
        _derived.Record(TestDocuments.TraceOf(f), f);
        _derived.Record(TestDocuments.TraceOf(TestDocuments.Features(0xbeef)), TestDocuments.Features(0xbeef));

        int port = FreePort();
        StartPrometheus(port);
        var api = new Uri($"http://127.0.0.1:{port}/api/v1/");

        string query = "sum(trace_analytics_traces_total{root_service=\"frontend\",job=\"trace-analytics\"})";
        string? value = await PollAsync(() => QueryScalarAsync(api, query), v => v == "2");
        Assert.Equal("2", value);

        string edgeQuery = "trace_analytics_service_edge_failed_total{client=\"checkout\",server=\"postgres\",connection_type=\"database\"}";
        Assert.Equal("2", await QueryScalarAsync(api, edgeQuery));

        // Exemplars parsed from the OpenMetrics response (exemplar storage is enabled for this instance).
        string exemplars = await PollAsync(
            () => _http.GetStringAsync(new Uri(api, "query_exemplars?query=trace_analytics_trace_duration_seconds_bucket&start=0&end=" + DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()))!,
            body => body.Contains(f.TraceId, StringComparison.Ordinal) || body.Contains(TestDocuments.Features(0xbeef).TraceId, StringComparison.Ordinal));
        Assert.Contains("trace_id", exemplars);
    }

    private void StartPrometheus(int port)
    {
        string binary = PrometheusBinaries.Require("prometheus");
        string target = $"127.0.0.1:{_server.BoundEndPoint!.Port}";
        string config = Path.Combine(_dir, "prometheus.yml");
        System.IO.File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: trace-analytics
                static_configs:
                  - targets: ['{target}']
            """);
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        foreach (string arg in new[]
        {
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(_dir, "data"),
            "--web.listen-address=127.0.0.1:" + port,
            "--enable-feature=exemplar-storage",
        })
            psi.ArgumentList.Add(arg);
        _prometheus = Process.Start(psi)!;
        _prometheus.OutputDataReceived += (_, e) => { lock (_prometheusOutput) _prometheusOutput.AppendLine(e.Data); };
        _prometheus.ErrorDataReceived += (_, e) => { lock (_prometheusOutput) _prometheusOutput.AppendLine(e.Data); };
        _prometheus.BeginOutputReadLine();
        _prometheus.BeginErrorReadLine();
    }

    private async Task<string?> QueryScalarAsync(Uri api, string promql)
    {
        string body = await _http.GetStringAsync(new Uri(api, "query?query=" + Uri.EscapeDataString(promql)));
        using var json = JsonDocument.Parse(body);
        var result = json.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? null : result[0].GetProperty("value")[1].GetString();
    }

    /// <summary>Retries <paramref name="probe"/> until <paramref name="done"/> holds (bounded: 60 s), then returns the last answer.</summary>
    private async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        T last = default!;
        string? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_prometheus is { HasExited: true }) break;
            try
            {
                last = await probe();
                if (done(last)) return last;
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message; // Prometheus still starting
            }
            catch (TaskCanceledException)
            {
                lastError = "request timeout";
            }
            await Task.Delay(250);
        }
        string output;
        lock (_prometheusOutput) output = _prometheusOutput.ToString();
        throw new Xunit.Sdk.XunitException($"Prometheus did not answer as expected within 60 s (last answer: {last}, last error: {lastError}). Prometheus output:\n{Tail(output)}");
    }

    private static string Tail(string s) => s.Length <= 4000 ? s : s[^4000..];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
