using System.Globalization;
using System.Reflection;
using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Sinks.Elasticsearch;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Cli.Tests.Configuration;

public class ConfigKeysTests
{
    [Fact]
    public void The_configuration_reference_in_docs_matches_the_key_registry()
    {
        string doc = File.ReadAllText(RepositoryFiles.Find(Path.Combine("docs", "CONFIGURATION.md")));
        Assert.True(doc == ConfigKeysCommand.Markdown(), "docs/CONFIGURATION.md is stale: run `streamanalytics config-keys > docs/CONFIGURATION.md`");
    }

    [Fact]
    public void The_defaults_quoted_in_the_README_key_table_are_the_registry_defaults()
    {
        string[] lines = File.ReadAllLines(RepositoryFiles.Find("README.md"));
        int start = Array.IndexOf(lines, "| key | default | meaning |");
        Assert.True(start >= 0, "README.md has no '| key | default | meaning |' table");
        int rows = 0;
        for (int i = start + 2; i < lines.Length && lines[i].StartsWith('|'); i++, rows++)
        {
            string[] cells = lines[i].Split('|');
            string[] keys = SplitCell(cells[1]);
            string[] defaults = SplitCell(cells[2]);
            string prefix = keys[0][..keys[0].IndexOf('.', StringComparison.Ordinal)];
            for (int k = 0; k < keys.Length; k++)
            {
                string name = keys[k].StartsWith('.') ? prefix + keys[k] : keys[k];
                string quoted = defaults.Length == keys.Length ? defaults[k] : defaults[0];
                Assert.True(Registered(name).Default == ReadmeDefault(quoted), $"README.md quotes {name} = '{quoted}', the registry says '{Registered(name).Default}'");
            }
        }
        Assert.True(rows > 5);
    }

    private static string[] SplitCell(string cell) =>
        cell.Replace("`", "", StringComparison.Ordinal).Split([" / ", ", "], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string? ReadmeDefault(string quoted) => quoted switch
    {
        "(required)" => null,
        "(empty)" => "",
        _ when quoted.EndsWith(" MiB", StringComparison.Ordinal) => (long.Parse(quoted[..^4], CultureInfo.InvariantCulture) << 20).ToString(CultureInfo.InvariantCulture),
        _ => quoted,
    };

    [Fact]
    public void Registry_defaults_equal_the_defaults_of_the_components_that_read_them()
    {
        // Every key's declared default, given explicitly, must build the same component as giving nothing: a default
        // typed into a key list that the component does not apply fails here. Empty defaults mean "unset" and are skipped.
        AssertSame(AssemblyConfig.Default, AssemblyConfig.FromDictionary(DefaultsOf(AssemblyConfig.Keys)));
        AssertSame(AggregateConfig.Default, AggregateConfig.FromProperties(DefaultsOf(AggregateConfig.Keys)));
        AssertSame(FeatureConfig.Default, FeatureConfig.FromProperties(DefaultsOf(FeatureConfig.Keys)));
        Assert.True(new FeatureSelection(FeatureSelection.Key.Default!.Split(',')).IncludesAll);
        var es = DefaultsOf(ElasticsearchSinkConfig.Keys);
        es.Remove("elasticsearch.urls"); // the job's default (empty = sink off) is the one deliberate difference
        AssertSame(new ElasticsearchSinkConfig(), ElasticsearchSinkConfig.FromProperties(es));
        AssertSame(new PrometheusExporterConfig(), PrometheusExporterConfig.FromProperties(DefaultsOf(PrometheusExporterConfig.Keys)));
        AssertSame(new StreamsConfig(), new StreamsConfig(DefaultsOf(StreamsConfig.Keys)));

        // The job registry lists those same key objects, so what it validates and documents is what they declare.
        foreach (var key in AssemblyConfig.Keys) Assert.Same(key, Registered(key.Name));
        foreach (var key in ElasticsearchSinkConfig.Keys) Assert.Same(key, Registered(key.Name));
        Assert.Same(ConfigKey.Find(StreamsConfig.Keys, StreamsConfig.NumStreamThreadsKey), Registered(StreamsConfig.NumStreamThreadsKey));
    }

    [Fact]
    public void The_minimum_open_bytes_a_job_accepts_is_the_assembly_minimum()
    {
        Assert.Equal(AssemblyConfig.MinOpenBytes, Registered(AssemblyConfig.MaxOpenBytesKey).Min);
        var settings = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["kafka.bootstrap.servers"] = "k:1",
            [AssemblyConfig.MaxOpenBytesKey] = AssemblyConfig.MinOpenBytes.ToString(CultureInfo.InvariantCulture),
        }));
        Assert.Equal(AssemblyConfig.MinOpenBytes, settings.Assembly.MaxOpenBytes);
    }

    /// <summary>Keys whose bound is only valid together with another key's value (the component checks the pair).</summary>
    private static readonly HashSet<string> CrossKeyRules = new(StringComparer.Ordinal)
    {
        "assembly.changelog.retention.ms", // must exceed max trace duration + late retention
        "elasticsearch.backoff.max.ms",    // at least backoff.base.ms
        "elasticsearch.backoff.base.ms",   // at most backoff.max.ms
        "elasticsearch.max.buffered.bytes", // at least bulk.max.bytes
        "elasticsearch.bulk.max.bytes",    // at most max.buffered.bytes
    };

    [Fact]
    public void Every_integer_bound_the_registry_accepts_the_component_accepts_too()
    {
        foreach (var key in ConfigKeys.All)
        {
            if (key.Type != StreamAnalytics.Streams.Configuration.ConfigValueType.Integer || CrossKeyRules.Contains(key.Name)) continue;
            foreach (long bound in new[] { key.Min, key.Max })
            {
                var pairs = new Dictionary<string, string>
                {
                    ["kafka.bootstrap.servers"] = "k:1",
                    ["elasticsearch.urls"] = "http://127.0.0.1:9200",
                    [key.Name] = bound.ToString(CultureInfo.InvariantCulture),
                };
                var ex = Record.Exception(() => TraceJobSettings.From(JobConfiguration.FromPairs(pairs)));
                Assert.True(ex is null, $"{key.Name}={bound} passes the registry's bounds but the component refuses it: {Describe(ex)}");
            }
        }
    }

    private static string Describe(Exception? ex) =>
        ex is ConfigurationException c ? string.Join("; ", c.Problems) : ex?.Message ?? "";

    private static ConfigKey Registered(string name) => ConfigKeys.TryGet(name, out var key) ? key : throw new KeyNotFoundException(name);

    private static Dictionary<string, string> DefaultsOf(IReadOnlyList<ConfigKey> keys)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in keys)
            if (!string.IsNullOrEmpty(key.Default)) d[key.Name] = key.Default;
        return d;
    }

    /// <summary>Compares every public property (sequences item by item); <c>Values</c> is StreamsConfig's raw map.</summary>
    private static void AssertSame<T>(T expected, T actual)
    {
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "Values") continue;
            object? e = property.GetValue(expected), a = property.GetValue(actual);
            if (e is System.Collections.IEnumerable es && e is not string)
                Assert.Equal(es.Cast<object>(), ((System.Collections.IEnumerable)a!).Cast<object>());
            else
                Assert.True(Equals(e, a), $"{typeof(T).Name}.{property.Name}: default {e}, from its declared default key {a}");
        }
    }

    [Theory]
    [InlineData("trace-features.json")]
    [InlineData("span-count.json")]
    [InlineData("service-graph.json")]
    public void Every_shipped_job_file_is_valid(string job)
    {
        var config = JobConfiguration.Load(RepositoryFiles.Find(Path.Combine("jobs", job)), [], new Dictionary<string, string?>());
        var settings = TraceJobSettings.From(config);
        Assert.NotEmpty(settings.SourceTopics);
    }

    [Fact]
    public void Jaeger_input_skips_the_repartition_hop_and_otlp_input_takes_it()
    {
        var jaeger = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string> { ["kafka.bootstrap.servers"] = "k:1", ["source.format"] = "jaeger_proto" }));
        Assert.True(jaeger.KeyedByTraceId);
        var otlp = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string> { ["kafka.bootstrap.servers"] = "k:1", ["source.format"] = "otlp_proto" }));
        Assert.False(otlp.KeyedByTraceId);
        var ex = Assert.Throws<ConfigurationException>(() => TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["kafka.bootstrap.servers"] = "k:1", ["source.format"] = "zipkin_json", ["source.keyed.by.trace.id"] = "true",
        })));
        Assert.Contains(ex.Problems, p => p.StartsWith("source.keyed.by.trace.id", StringComparison.Ordinal));
    }

    [Fact]
    public void Source_framing_and_decode_limits_reach_the_decoder_options()
    {
        var defaults = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string> { ["kafka.bootstrap.servers"] = "k:1" }));
        Assert.Equal(SourceFraming.Auto, defaults.Decoder.Framing);
        Assert.Equal(StreamAnalytics.Formats.Model.StringTable.DefaultMaxEntries, defaults.MaxInternedNames);
        var set = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["kafka.bootstrap.servers"] = "k:1", ["source.framing"] = "confluent", ["decode.max.depth"] = "8", ["decode.max.interned.names"] = "5000",
        }));
        Assert.Equal(SourceFraming.Confluent, set.Decoder.Framing);
        Assert.Equal(8, set.Decoder.MaxDepth);
        Assert.Equal(5000, set.MaxInternedNames);
        var ex = Assert.Throws<ConfigurationException>(() => JobConfiguration.FromPairs(new Dictionary<string, string> { ["source.framing"] = "avro" }));
        Assert.Contains(ex.Problems, p => p.StartsWith("source.framing", StringComparison.Ordinal));
    }

    [Fact]
    public void Component_validation_problems_are_reported_by_key()
    {
        var ex = Assert.Throws<ConfigurationException>(() => TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["kafka.bootstrap.servers"] = "k:1",
            ["elasticsearch.urls"] = "ftp://es:21",
            ["aggregate.sketch.relative.accuracy"] = "2",
        })));
        Assert.Contains(ex.Problems, p => p.Contains("elasticsearch.urls"));
        Assert.Contains(ex.Problems, p => p.Contains("aggregate.sketch.relative.accuracy"));
    }
}
