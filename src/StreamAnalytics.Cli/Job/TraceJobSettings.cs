using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Elasticsearch;
using StreamAnalytics.Sinks.File;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams;

namespace StreamAnalytics.Cli.Job;

/// <summary>
/// The typed settings of the trace job, built from a validated <see cref="JobConfiguration"/>. Each component's own
/// config class reads its keys (so there is one parser per key); every problem is collected into one
/// <see cref="ConfigurationException"/> before anything touches Kafka.
/// </summary>
public sealed class TraceJobSettings
{
    /// <summary>Bootstrap value that starts an in-process embedded cluster instead of connecting to Kafka.</summary>
    public const string EmbeddedBootstrap = "embedded";

    public required string ApplicationId { get; init; }
    public required string BootstrapServers { get; init; }
    public required IReadOnlyList<string> SourceTopics { get; init; }
    public required SpanFormat Format { get; init; }
    /// <summary>Decoder limits (<c>decode.*</c>).</summary>
    public required DecoderOptions Decoder { get; init; }
    /// <summary>Size of the job's name table (<c>decode.max.interned.names</c>).</summary>
    public required int MaxInternedNames { get; init; }
    /// <summary>True when input records are keyed by trace id already (no repartition hop).</summary>
    public required bool KeyedByTraceId { get; init; }
    public required int RepartitionPartitions { get; init; }
    public required StreamsConfig Streams { get; init; }
    public required AssemblyConfig Assembly { get; init; }
    public required FeatureConfig Features { get; init; }
    public required FeatureSelection FeatureSelection { get; init; }
    public required AggregateConfig Aggregate { get; init; }
    public required IReadOnlySet<AggregateKind> AggregateKinds { get; init; }
    /// <summary>Topic of per-trace feature records, or null when disabled.</summary>
    public required string? FeaturesTopic { get; init; }
    public required bool WriteFeatureDocuments { get; init; }
    public required ElasticsearchSinkConfig? Elasticsearch { get; init; }
    public required string? FileDirectory { get; init; }
    public required FileSinkFormat FileFormat { get; init; }
    /// <summary><c>file.buffer.bytes</c>: bytes buffered per file before a write.</summary>
    public int FileBufferBytes { get; init; } = FileSinkKeys.DefaultBufferBytes;
    /// <summary><c>elasticsearch.index.features</c>: the Elasticsearch sink's and the file sink's bulk action lines' prefix.</summary>
    public string FeaturesIndexPrefix { get; init; } = IndexNames.DefaultFeaturesPrefix;
    /// <summary><c>elasticsearch.index.aggregates</c>, as <see cref="FeaturesIndexPrefix"/>.</summary>
    public string AggregatesIndexPrefix { get; init; } = IndexNames.DefaultAggregatesPrefix;
    public required PrometheusExporterConfig Metrics { get; init; }
    public required TimeSpan ShutdownTimeout { get; init; }
    public required bool JsonLogs { get; init; }
    public required string LogLevel { get; init; }

    public bool UsesEmbeddedKafka => string.Equals(BootstrapServers, EmbeddedBootstrap, StringComparison.OrdinalIgnoreCase);

    /// <exception cref="ConfigurationException">Every problem found, each naming its key.</exception>
    public static TraceJobSettings From(JobConfiguration c)
    {
        var problems = new List<string>();
        T Try<T>(Func<T> parse, T fallback)
        {
            try { return parse(); }
            catch (ArgumentException e) { problems.Add(e.Message); return fallback; }
        }
        IReadOnlyDictionary<string, string> Section(string prefix)
        {
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in c.WithPrefix(prefix)) d[prefix + k] = v;
            return d;
        }

        string appId = c.GetString("application.id");
        SpanFormatNames.TryParse(c.GetString("source.format"), out SpanFormat format);
        SourceFramingNames.TryParse(c.GetString(SourceFramingNames.Key), out SourceFraming framing);
        string keyed = c.GetString("source.keyed.by.trace.id");
        bool keyedByTraceId = keyed == "auto" ? !format.IsBatchFormat() : keyed == "true";
        if (keyedByTraceId && format.IsBatchFormat())
            problems.Add($"source.keyed.by.trace.id: {format.ToConfigName()} messages hold spans of many traces, so they cannot be keyed by trace id; use false or auto");

        string bootstrap = c.GetString("kafka.bootstrap.servers");
        var streams = new StreamsConfig
        {
            ApplicationId = appId,
            BootstrapServers = bootstrap,
        };
        streams[StreamsConfig.ProcessingGuaranteeKey] = c.GetString("processing.guarantee");
        // Only when set: unset, StreamsConfig picks the guarantee's default (1000 ms, or 100 ms under exactly_once_v2,
        // whose transactions hold read_committed consumers back until the commit).
        if (c.IsSet("commit.interval.ms")) streams[StreamsConfig.CommitIntervalMsKey] = c.GetString("commit.interval.ms");
        streams[StreamsConfig.NumStreamThreadsKey] = c.GetString("num.stream.threads");
        streams[StreamsConfig.TaskTimeoutMsKey] = c.GetString(StreamsConfig.TaskTimeoutMsKey);
        // kafka.X goes to every client; kafka.consumer.X / kafka.producer.X to one of them.
        // The runtime's key of each kafka.* key the user typed, so that its complaints name what the user wrote.
        var typedAs = new Dictionary<string, string>(StringComparer.Ordinal);
        void Pass(string streamsKey, string typed, string value)
        {
            streams[streamsKey] = value;
            typedAs[streamsKey] = typed;
        }
        foreach (var (key, value) in c.WithPrefix("kafka."))
        {
            if (key == "bootstrap.servers") continue;
            string typed = "kafka." + key;
            if (key.StartsWith("consumer.", StringComparison.Ordinal)) { Pass(StreamsConfig.ConsumerPrefix + key["consumer.".Length..], typed, value); continue; }
            if (key.StartsWith("producer.", StringComparison.Ordinal)) { Pass(StreamsConfig.ProducerPrefix + key["producer.".Length..], typed, value); continue; }
            Pass(StreamsConfig.ConsumerPrefix + key, typed, value);
            Pass(StreamsConfig.ProducerPrefix + key, typed, value);
            Pass(StreamsConfig.AdminPrefix + key, typed, value);
            Pass(StreamsConfig.RestoreConsumerPrefix + key, typed, value);
        }
        try
        {
            streams.Validate();
        }
        catch (ArgumentException e)
        {
            foreach (string problem in AsTyped(e.Message, typedAs))
                if (!problems.Contains(problem)) problems.Add(problem);
        }

        var assembly = Try(() => AssemblyConfig.FromDictionary(Section("assembly.")), AssemblyConfig.Default);
        var features = Try(() => FeatureConfig.FromProperties(Section("features.")), FeatureConfig.Default);
        var selection = Try(() => new FeatureSelection(c.GetList("features.include")), FeatureSelection.All);
        var aggregate = Try(() => AggregateConfig.FromProperties(Section("aggregate.")), AggregateConfig.Default);
        var kinds = new HashSet<AggregateKind>();
        foreach (string name in c.GetList("aggregate.kinds"))
            for (int i = 0; i < AggregateKindNames.Count; i++)
                if (string.Equals(AggregateKindNames.Of((AggregateKind)i), name, StringComparison.OrdinalIgnoreCase)) kinds.Add((AggregateKind)i);

        ElasticsearchSinkConfig? es = null;
        if (c.GetList("elasticsearch.urls").Count > 0)
            es = Try<ElasticsearchSinkConfig?>(() => ElasticsearchSinkConfig.FromProperties(Section("elasticsearch.")), null);
        // The file sink's bulk action lines name the live sink's indices, with or without an Elasticsearch sink; the
        // prefixes are checked here only without one (its config checks them, and one problem is reported once).
        string featuresIndex = c.GetString("elasticsearch.index.features"), aggregatesIndex = c.GetString("elasticsearch.index.aggregates");
        if (es is null && c.GetList("elasticsearch.urls").Count == 0)
        {
            Try(() => { ElasticsearchSinkConfig.CheckPrefix(featuresIndex, "elasticsearch.index.features"); return 0; }, 0);
            Try(() => { ElasticsearchSinkConfig.CheckPrefix(aggregatesIndex, "elasticsearch.index.aggregates"); return 0; }, 0);
        }
        var metrics = Try(() => PrometheusExporterConfig.FromProperties(Section("metrics."),
            new Dictionary<string, string>(StringComparer.Ordinal) { ["application_id"] = appId }), new PrometheusExporterConfig());

        string featuresTopic = c.GetString("output.features.topic");
        string fileDir = c.GetString("file.dir");
        if (problems.Count > 0) throw new ConfigurationException(problems);
        return new TraceJobSettings
        {
            ApplicationId = appId,
            BootstrapServers = bootstrap,
            SourceTopics = c.GetList("source.topics"),
            Format = format,
            Decoder = new DecoderOptions
            {
                MaxSpansPerMessage = c.GetInt(DecoderOptions.MaxSpansPerMessageKey),
                MaxDepth = c.GetInt(DecoderOptions.MaxDepthKey),
                Framing = framing,
            },
            MaxInternedNames = c.GetInt(Formats.Model.StringTable.MaxEntriesKey),
            // Joining 64- and 128-bit ids needs our own key: a Jaeger-keyed topic places the two forms by different keys.
            KeyedByTraceId = keyedByTraceId && (keyed != "auto" || assembly.TraceIdStrict),
            RepartitionPartitions = c.GetInt("repartition.partitions"),
            Streams = streams,
            Assembly = assembly,
            Features = features,
            FeatureSelection = selection,
            Aggregate = aggregate,
            AggregateKinds = kinds,
            FeaturesTopic = featuresTopic switch { "" => appId + "-trace-features", "none" => null, _ => featuresTopic },
            WriteFeatureDocuments = c.GetBool("output.features.documents"),
            Elasticsearch = es,
            FileDirectory = fileDir.Length == 0 ? null : fileDir,
            FileFormat = c.GetString("file.format") == "plain" ? FileSinkFormat.Plain : FileSinkFormat.Bulk,
            FileBufferBytes = c.GetInt(FileSinkKeys.BufferBytesKey),
            FeaturesIndexPrefix = featuresIndex,
            AggregatesIndexPrefix = aggregatesIndex,
            Metrics = metrics,
            ShutdownTimeout = TimeSpan.FromMilliseconds(c.GetLong("shutdown.timeout.ms")),
            JsonLogs = c.GetString("log.format") == "json",
            LogLevel = c.GetString("log.level"),
        };
    }

    /// <summary>
    /// The runtime's validation problems with its client keys (<c>consumer.group.id</c>, <c>restore.consumer.group.id</c>,
    /// …) renamed to the key the user typed (<c>kafka.group.id</c>); the copies of one typed key become one problem.
    /// </summary>
    private static List<string> AsTyped(string message, IReadOnlyDictionary<string, string> typedAs)
    {
        const string prefix = "Invalid StreamsConfig: ";
        string body = message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
        var keys = typedAs.Keys.OrderByDescending(k => k.Length).ToList(); // restore.consumer.x before consumer.x
        var result = new List<string>();
        foreach (string part in body.Split("; ", StringSplitOptions.RemoveEmptyEntries))
        {
            string renamed = part;
            foreach (string key in keys)
            {
                int at = renamed.IndexOf(key, StringComparison.Ordinal);
                if (at < 0 || (at > 0 && (char.IsLetterOrDigit(renamed[at - 1]) || renamed[at - 1] == '.'))) continue;
                renamed = string.Concat(renamed.AsSpan(0, at), typedAs[key], renamed.AsSpan(at + key.Length));
                break;
            }
            if (!result.Contains(renamed)) result.Add(renamed);
        }
        return result;
    }
}
