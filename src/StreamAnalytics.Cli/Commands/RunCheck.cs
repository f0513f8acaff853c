using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// <c>run --check</c>: the effective configuration, every key with its value and where it came from (job file,
/// environment, <c>--set</c>, or the default); with <c>--connect</c> also whether the brokers, the job's topics and
/// Elasticsearch answer, each on a line of its own, so one run says everything that would stop the job.
/// </summary>
internal static class RunCheck
{
    /// <summary>Every key that has a value, sorted: the set ones with their source, the rest as <c>(default)</c>.</summary>
    public static string Effective(JobConfiguration config)
    {
        var lines = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in config.Describe().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) lines[line[..eq]] = line;
        }
        foreach (var key in ConfigKeys.All)
        {
            if (lines.ContainsKey(key.Name) || key.Default is null) continue;
            string value = key.Secret && key.Default.Length > 0 ? "***" : key.Default;
            lines[key.Name] = $"{key.Name}={value}  (default)";
        }
        var sb = new StringBuilder();
        foreach (string line in lines.Values) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    /// <summary>Checks the brokers, the source topics and Elasticsearch; returns the problems (empty when all answer).</summary>
    public static async Task<List<string>> ConnectAsync(TraceJobSettings settings, TextWriter output, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (settings.UsesEmbeddedKafka)
        {
            await output.WriteLineAsync("kafka: embedded (in-process mock cluster, created at start)");
        }
        else
        {
            var clientSettings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in settings.Streams.Values)
                if (kv.Key.StartsWith(Streams.StreamsConfig.AdminPrefix, StringComparison.Ordinal)) clientSettings[kv.Key[Streams.StreamsConfig.AdminPrefix.Length..]] = kv.Value;
            if (KafkaPreflight.Check(settings.BootstrapServers, timeout, clientSettings) is { } unreachable)
            {
                problems.Add("kafka: " + unreachable);
            }
            else
            {
                await output.WriteLineAsync($"kafka: brokers at {settings.BootstrapServers} answer");
                using var admin = new AdminClientBuilder(new AdminClientConfig(clientSettings) { BootstrapServers = settings.BootstrapServers })
                    .SetErrorHandler((_, _) => { }).SetLogHandler((_, _) => { }).Build();
                var metadata = admin.GetMetadata(timeout);
                foreach (string topic in settings.SourceTopics)
                {
                    var t = metadata.Topics.Find(m => m.Topic == topic);
                    if (t is null || t.Error.Code != ErrorCode.NoError) problems.Add($"kafka: source topic '{topic}' does not exist (source.topics); create it, the job does not");
                    else await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"kafka: source topic '{topic}' has {t.Partitions.Count} partitions"));
                }
            }
        }
        if (settings.Elasticsearch is { } es)
        {
            using var http = new HttpClient { Timeout = timeout };
            foreach (var url in es.Urls)
            {
                // Never print credentials embedded in the URL.
                string shown = new UriBuilder(url) { UserName = "", Password = "" }.Uri.ToString();
                try
                {
                    using var response = await http.GetAsync(url, cancellationToken);
                    // 401/403 still proves the cluster answers; the credentials are checked by the first request the job sends.
                    await output.WriteLineAsync($"elasticsearch: {shown} answers ({(int)response.StatusCode})");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    problems.Add($"elasticsearch: {shown} does not answer ({e.Message}); check elasticsearch.urls (the job would start and wait for it, not ready)");
                }
            }
        }
        return problems;
    }
}
