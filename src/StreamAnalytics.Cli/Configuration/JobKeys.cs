using StreamAnalytics.Formats;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Cli.Configuration;

/// <summary>
/// The keys the job itself reads (<see cref="Job.TraceJobSettings"/>): where spans come from, where features go, logging
/// and shutdown. Component settings are declared by the components (see <see cref="ConfigKeys.Sections"/>).
/// </summary>
public static class JobKeys
{
    public const string ApplicationId = "application.id";
    public const string BootstrapServers = "kafka.bootstrap.servers";

    public static IReadOnlyList<ConfigKey> Identity { get; } =
    [
        ConfigKey.Text(ApplicationId, "streamanalytics", "Consumer group ids (<id> for decoding, <id>-sub1 for assembly: one group per sub-topology) and prefix of internal topics (<id>-spans-by-trace-repartition, <id>-open-traces-changelog, <id>-trace-aggregates-changelog, <id>-dlq) and of the features topic <id>-trace-features."),
        ConfigKey.Text(BootstrapServers, null, "Kafka bootstrap servers; 'embedded' starts an in-process mock cluster (demo and tests only)."),
    ];

    public static IReadOnlyList<ConfigKey> Source { get; } =
    [
        ConfigKey.ListOf("source.topics", ["spans"], "Topics holding raw spans."),
        ConfigKey.OneOf("source.format", SpanFormat.OtlpProto.ToConfigName(), SpanFormatNames.All, "Wire format of the span topics."),
        ConfigKey.OneOf(SourceFramingNames.Key, DecoderOptions.Default.Framing.ToConfigName(), SourceFramingNames.All, "What precedes each message's payload: confluent = Confluent Schema Registry framing (magic byte 0, 4-byte schema id, and for protobuf the message indexes), stripped before decoding; none = nothing; auto = strip it when the first byte is 0, which can start neither protobuf nor JSON."),
        ConfigKey.OneOf("source.keyed.by.trace.id", "auto", ["auto", "true", "false"], "Whether input records are already keyed (and so partitioned) by trace id; 'auto' = true for jaeger_* formats, unless assembly.trace.id.strict=false (the producer's key then places a 64-bit and a 128-bit id apart). When false the engine repartitions through <id>-spans-by-trace-repartition."),
        ConfigKey.Integer("repartition.partitions", 0, 0, 10_000, "Partitions of <id>-spans-by-trace-repartition and of the changelogs; 0 = as many as the source topic."),
    ];

    /// <summary>
    /// Decoder limits. Formats references nothing, so its keys are listed here, with their defaults read from
    /// <see cref="DecoderOptions.Default"/> and <see cref="Formats.Model.StringTable"/>.
    /// </summary>
    public static IReadOnlyList<ConfigKey> Decode { get; } =
    [
        ConfigKey.Integer(DecoderOptions.MaxSpansPerMessageKey, DecoderOptions.Default.MaxSpansPerMessage, 1, int.MaxValue, "Most spans one message may hold; a message with more is dead-lettered whole (decode_errors_total{kind=\"LimitExceeded\"})."),
        ConfigKey.Integer(DecoderOptions.MaxDepthKey, DecoderOptions.Default.MaxDepth, DecoderOptions.MinDepth, DecoderOptions.MaxDepthLimit, "Deepest JSON nesting accepted; deeper input is dead-lettered (decode_errors_total{kind=\"LimitExceeded\"})."),
        ConfigKey.Integer(Formats.Model.StringTable.MaxEntriesKey, Formats.Model.StringTable.DefaultMaxEntries, Formats.Model.StringTable.MinEntries, int.MaxValue, "Distinct service, operation and peer names interned per process; once full, new names read as __overflow__ (decode_names_overflowed_total)."),
    ];

    public static IReadOnlyList<ConfigKey> Output { get; } =
    [
        ConfigKey.Text("output.features.topic", "", "Topic for per-trace feature records; empty = <application.id>-trace-features; 'none' disables."),
        ConfigKey.Boolean("output.features.documents", true, "Write one document per trace to the external sinks (false: aggregates only, as in the service-graph job)."),
    ];

    public static IReadOnlyList<ConfigKey> Process { get; } =
    [
        ConfigKey.OneOf("log.format", "text", ["text", "json"], "Console log format."),
        ConfigKey.OneOf("log.level", "information", ["trace", "debug", "information", "warning", "error"], "Minimum log level."),
        ConfigKey.Integer("shutdown.timeout.ms", 30_000, 100, 600_000, "Bound on graceful shutdown (flush and commit) after SIGTERM."),
    ];
}
