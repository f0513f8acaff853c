using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Streams.Testing.Embedded;
using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Cli.IntegrationTests.Job;

/// <summary>
/// What a fresh engine, before any span, shows on <c>/metrics</c>: every metric the shipped alert rules use, the
/// engine's own series at 0 (so <c>rate(...) &gt; 0</c> sees the first failure), one namespace and the application id.
/// </summary>
public partial class TraceJobMetricsTests
{
    // Derived metrics are labelled by the traced system (root operation, edge): their series come with the data, so a
    // fresh engine shows only their headers. Every other metric a rule uses is the engine's own and must have a sample.
    private static readonly HashSet<string> DataLabelled = new(StringComparer.Ordinal)
    {
        "trace_analytics_traces_total",
        "trace_analytics_trace_duration_seconds",
        "trace_analytics_service_edge_calls_total",
        "trace_analytics_service_edge_failed_total",
        "trace_analytics_sink_retries_total",
    };

    [GeneratedRegex(@"\btrace_analytics_[a-z0-9_]+")]
    private static partial Regex MetricReference();

    /// <summary>The engine metric names the rules' expressions and annotations use (histogram sample suffixes removed).</summary>
    internal static SortedSet<string> MetricsUsedByRules()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(RepositoryFiles.Find("deploy/prometheus/rules.yml")))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith('#') || trimmed.StartsWith("- name:", StringComparison.Ordinal)) continue; // group names are no metrics
            foreach (Match m in MetricReference().Matches(trimmed))
            {
                string name = m.Value;
                foreach (string suffix in new[] { "_bucket", "_count", "_sum" })
                    if (name.EndsWith("_seconds" + suffix, StringComparison.Ordinal)) name = name[..^suffix.Length];
                names.Add(name);
            }
        }
        return names;
    }

    private static (List<string> MissingHeader, List<string> MissingSample) Missing(string text, IEnumerable<string> used)
    {
        var missingHeader = new List<string>();
        var missingSample = new List<string>();
        foreach (string name in used)
        {
            if (!text.Contains($"# TYPE {name} ", StringComparison.Ordinal)) missingHeader.Add(name);
            else if (!DataLabelled.Contains(name) && !Regex.IsMatch(text, $@"\n{Regex.Escape(name)}(_bucket)?\{{[^}}]*application_id=""fresh-metrics""[^}}]*\}} ")) missingSample.Add(name);
        }
        return (missingHeader, missingSample);
    }

    [Fact]
    public async Task A_fresh_engine_exposes_every_metric_the_alert_rules_use_with_the_engine_series_at_zero()
    {
        using var cluster = EmbeddedKafkaCluster.Start(defaultPartitions: 2);
        cluster.CreateTopic("spans", 2);
        string dir = Directory.CreateTempSubdirectory("job-metrics-").FullName;
        var settings = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["application.id"] = "fresh-metrics",
            ["kafka.bootstrap.servers"] = "placeholder:9092",
            ["source.topics"] = "spans",
            ["source.format"] = "otlp_proto",
            ["file.dir"] = dir,
            ["metrics.bind"] = "127.0.0.1:0",
            // A sink whose failures the rules watch; nothing is sent to it before the first document.
            ["elasticsearch.urls"] = "http://127.0.0.1:9",
            ["elasticsearch.templates.enabled"] = "false",
        }));
        await using var host = new TraceJobHost(settings, NullLoggerFactory.Instance);
        await host.StartAsync(CancellationToken.None, cluster);

        using var http = new HttpClient { BaseAddress = host.MetricsServer!.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await http.GetAsync("readyz")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline) await Task.Delay(200);
        var used = MetricsUsedByRules();
        Assert.Contains("trace_analytics_sink_failures_total", used);
        Assert.Contains("trace_analytics_streams_records_dead_lettered_total", used);
        string text = await http.GetStringAsync("metrics");
        var (missingHeader, missingSample) = Missing(text, used);
        // The lag gauge needs the first fetch response (the partition's high watermark); counters are there at once.
        while (missingSample.SequenceEqual(["trace_analytics_streams_consumer_lag"]) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            text = await http.GetStringAsync("metrics");
            (missingHeader, missingSample) = Missing(text, used);
        }
        Assert.True(missingHeader.Count == 0, "metrics the rules use that a fresh engine does not define: " + string.Join(", ", missingHeader));
        Assert.True(missingSample.Count == 0, "engine metrics the rules use without a series at start: " + string.Join(", ", missingSample));

        // One namespace and the application id on every series (the standard process_* and .NET's dotnet_* apart).
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            Assert.True(line.StartsWith("trace_analytics_", StringComparison.Ordinal) || line.StartsWith("process_", StringComparison.Ordinal)
                || line.StartsWith("dotnet_", StringComparison.Ordinal), "outside the namespace: " + line);
            Assert.Contains("application_id=\"fresh-metrics\"", line);
        }
        Assert.Contains("\ntrace_analytics_build_info{", text);
        Assert.Contains("\ntrace_analytics_decode_errors_total{application_id=\"fresh-metrics\",format=\"otlp_proto\",kind=\"Malformed\"} 0\n", text);
        Assert.Contains("\ndotnet_gc_collections_total{", text);

        // The shipped Grafana dashboard asks only for what this scrape defines, or what rules.yml records.
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in TypeLine().Matches(text)) defined.Add(m.Groups[1].Value);
        var recorded = RecordedByRules();
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Find("deploy/grafana/dashboards/trace-analytics.json")));
        int queries = 0;
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            if (!panel.TryGetProperty("targets", out var targets)) continue;
            foreach (var target in targets.EnumerateArray())
            {
                queries++;
                foreach (string name in MetricNames(target.GetProperty("expr").GetString()!))
                {
                    string family = HistogramSuffix().Replace(name, "");
                    if (!defined.Contains(name) && !defined.Contains(family) && !recorded.Contains(name) && name != "up") unknown.Add(name);
                }
            }
        }
        Assert.True(queries >= 10, $"the dashboard has only {queries} queries");
        Assert.True(unknown.Count == 0, "the dashboard queries metrics the engine does not write: " + string.Join(", ", unknown));
        await host.StopAsync();
    }

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex("_(bucket|count|sum)$")]
    private static partial Regex HistogramSuffix();

    // Metric names in a PromQL expression: identifiers not followed by '(' (functions) and not inside braces or
    // quotes (labels and values), minus PromQL's keywords.
    [GeneratedRegex(@"\{[^}]*\}|""[^""]*""|\[[^\]]*\]|\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")]
    private static partial Regex PromQlToken();

    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool",
        "root_service", "root_operation", "client", "server", "path", "instance", "application_id", "topic", "reason",
        "kind", "metric", "sink", "outcome", "le", "connection_type",
    };

    private static IEnumerable<string> MetricNames(string expr)
    {
        foreach (Match m in PromQlToken().Matches(expr))
        {
            if (!m.Groups[1].Success) continue;
            string word = m.Groups[1].Value;
            if (PromQlWords.Contains(word) || char.IsDigit(word[0])) continue;
            yield return word;
        }
    }

    private static HashSet<string> RecordedByRules()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(RepositoryFiles.Find("deploy/prometheus/rules.yml")))
        {
            string t = line.Trim();
            if (t.StartsWith("- record:", StringComparison.Ordinal)) names.Add(t["- record:".Length..].Trim());
        }
        return names;
    }
}
