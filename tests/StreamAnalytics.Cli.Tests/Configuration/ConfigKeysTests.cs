using System.Globalization;
using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Sinks.Elasticsearch;

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
    public void Registry_defaults_equal_the_defaults_of_the_components_that_read_them()
    {
        string D(string key) => ConfigKeys.TryGet(key, out var k) ? k.Default! : throw new KeyNotFoundException(key);
        static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
        var assembly = AssemblyConfig.Default;
        Assert.Equal(S(assembly.GapMs), D(AssemblyConfig.GapMsKey));
        Assert.Equal(S(assembly.MaxTraceDurationMs), D(AssemblyConfig.MaxTraceDurationMsKey));
        Assert.Equal(S(assembly.RootGraceMs), D(AssemblyConfig.RootGraceMsKey));
        Assert.Equal(S(assembly.MaxSpansPerTrace), D(AssemblyConfig.MaxSpansPerTraceKey));
        Assert.Equal(S(assembly.MaxOpenBytes), D(AssemblyConfig.MaxOpenBytesKey));
        Assert.Equal(S(assembly.LateRetentionMs), D(AssemblyConfig.LateRetentionMsKey));
        Assert.Equal(S(assembly.LateMaxBytes), D(AssemblyConfig.LateMaxBytesKey));
        var aggregate = AggregateConfig.Default;
        Assert.Equal(S(aggregate.WindowMs), D("aggregate.window.ms"));
        Assert.Equal(S(aggregate.GraceMs), D("aggregate.grace.ms"));
        Assert.Equal(S(aggregate.CardinalityLimit), D("aggregate.cardinality.limit"));
        Assert.Equal(S(aggregate.MaxOpenWindows), D("aggregate.max.open.windows"));
        Assert.Equal(S(aggregate.SketchMaxBuckets), D("aggregate.sketch.max.buckets"));
        Assert.Equal(S(new StreamAnalytics.Streams.StreamsConfig().NumStreamThreads), D("num.stream.threads"));
        var es = new ElasticsearchSinkConfig();
        Assert.Equal(S(es.BulkMaxDocs), D("elasticsearch.bulk.max.docs"));
        Assert.Equal(S(es.BulkMaxBytes), D("elasticsearch.bulk.max.bytes"));
        Assert.Equal(S(es.FlushIntervalMs), D("elasticsearch.flush.interval.ms"));
        Assert.Equal(S(es.MaxRetries), D("elasticsearch.max.retries"));
        Assert.Equal(S(es.BackoffBaseMs), D("elasticsearch.backoff.base.ms"));
        Assert.Equal(S(es.BackoffMaxMs), D("elasticsearch.backoff.max.ms"));
        Assert.Equal(S(es.MaxBufferedBytes), D("elasticsearch.max.buffered.bytes"));
        Assert.Equal(S(es.RequestTimeoutMs), D("elasticsearch.request.timeout.ms"));
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
