using System.Diagnostics.CodeAnalysis;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Sinks.Elasticsearch;
using StreamAnalytics.Sinks.File;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Cli.Configuration;

/// <summary>
/// Every configuration key a job accepts, listed from the components that declare them: the single source for
/// validation, environment-variable names and the configuration reference (<c>streamanalytics config-keys</c> prints
/// it; docs/CONFIGURATION.md is generated from it).
/// </summary>
public static class ConfigKeys
{
    /// <summary>Keys under these prefixes are passed on unchanged: <c>kafka.</c> to the Kafka clients (<c>kafka.consumer.</c>/<c>kafka.producer.</c> to one of them), <c>metrics.histogram.buckets.&lt;instrument&gt;</c> to the exporter.</summary>
    public static readonly IReadOnlyList<string> PassThroughPrefixes = ["kafka.", "metrics.histogram.buckets."];

    /// <summary>
    /// Where each key is declared, in the order of docs/CONFIGURATION.md. The registry only lists: every default, bound
    /// and doc text comes from the owning component, so a job's default is the component's by construction.
    /// </summary>
    public static readonly IReadOnlyList<ConfigSection> Sections =
    [
        new("Job identity", "JobKeys.Identity", JobKeys.Identity),
        new("Source", "JobKeys.Source", JobKeys.Source),
        new("Decoding", "JobKeys.Decode", JobKeys.Decode),
        new("Stream runtime", "StreamsConfig.Keys", Pick(StreamsConfig.Keys, StreamsConfig.ProcessingGuaranteeKey, StreamsConfig.CommitIntervalMsKey, StreamsConfig.NumStreamThreadsKey, StreamsConfig.TaskTimeoutMsKey)),
        new("Trace assembly", "AssemblyConfig.Keys", AssemblyConfig.Keys),
        new("Features", "FeatureSelection.Key, FeatureConfig.Keys", [FeatureSelection.Key, .. FeatureConfig.Keys]),
        new("Features output", "JobKeys.Output", JobKeys.Output),
        new("Aggregates", "AggregateConfig.Keys", AggregateConfig.Keys),
        new("Elasticsearch sink", "ElasticsearchSinkConfig.Keys", ElasticsearchSinkConfig.Keys),
        new("File sink", "FileSinkKeys.Keys", FileSinkKeys.Keys),
        new("Prometheus exporter", "PrometheusExporterConfig.Keys", PrometheusExporterConfig.Keys),
        new("Logging and shutdown", "JobKeys.Process", JobKeys.Process),
    ];

    /// <summary>Every key, in section order.</summary>
    public static readonly IReadOnlyList<ConfigKey> All = Flatten(Sections);

    /// <summary>Keys without a default that a job must set.</summary>
    public static readonly IReadOnlySet<string> Required = new HashSet<string>(StringComparer.Ordinal) { JobKeys.BootstrapServers };

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);
    private static readonly Dictionary<string, string> ByEnvironmentName = All.ToDictionary(k => EnvironmentName(k.Name), k => k.Name, StringComparer.Ordinal);

    /// <summary>The environment variable that overrides a key: <c>STREAMANALYTICS_</c> + upper case, dots as underscores.</summary>
    public static string EnvironmentName(string key) => "STREAMANALYTICS_" + key.Replace('.', '_').Replace('-', '_').ToUpperInvariant();

    public static bool TryGet(string name, [NotNullWhen(true)] out ConfigKey? key) => ByName.TryGetValue(name, out key);

    /// <summary>True for Kafka client settings passed through (<c>kafka.sasl.mechanism</c>), except documented keys.</summary>
    public static bool IsPassThrough(string key)
    {
        if (ByName.ContainsKey(key)) return false;
        foreach (string prefix in PassThroughPrefixes)
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.Length > prefix.Length) return true;
        return false;
    }

    /// <summary>Secrets: documented secret keys and any pass-through key that looks like a credential.</summary>
    public static bool IsSecret(string key) =>
        (ByName.TryGetValue(key, out var def) && def.Secret)
        || key.Contains("password", StringComparison.OrdinalIgnoreCase)
        || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.Contains("jaas", StringComparison.OrdinalIgnoreCase)
        || key.EndsWith(".key", StringComparison.OrdinalIgnoreCase)
        || key.Contains("token", StringComparison.OrdinalIgnoreCase);

    /// <summary>Maps <c>STREAMANALYTICS_ASSEMBLY_GAP_MS</c> to <c>assembly.gap.ms</c>; Kafka pass-through variables map to <c>kafka.</c> keys with dots.</summary>
    public static string? FromEnvironmentName(string name)
    {
        if (ByEnvironmentName.TryGetValue(name, out string? key)) return key;
        const string kafka = "STREAMANALYTICS_KAFKA_";
        if (name.StartsWith(kafka, StringComparison.Ordinal) && name.Length > kafka.Length)
            return "kafka." + name[kafka.Length..].ToLowerInvariant().Replace('_', '.');
        return null;
    }

    /// <summary>The closest documented key by edit distance, for "did you mean" hints.</summary>
    public static string? Suggest(string key)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var def in All)
        {
            int d = Distance(key, def.Name);
            if (d < bestDistance) { bestDistance = d; best = def.Name; }
        }
        return bestDistance <= Math.Max(3, key.Length / 4) ? best : null;
    }

    private static ConfigKey[] Pick(IReadOnlyList<ConfigKey> keys, params string[] names)
    {
        var picked = new ConfigKey[names.Length];
        for (int i = 0; i < names.Length; i++) picked[i] = ConfigKey.Find(keys, names[i]);
        return picked;
    }

    private static List<ConfigKey> Flatten(IReadOnlyList<ConfigSection> sections)
    {
        var all = new List<ConfigKey>();
        foreach (var section in sections) all.AddRange(section.Keys);
        return all;
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}

/// <summary>A group of keys in the configuration reference, with the member that declares them.</summary>
public sealed record ConfigSection(string Title, string DeclaredIn, IReadOnlyList<ConfigKey> Keys);
