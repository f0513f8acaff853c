using System.Diagnostics.CodeAnalysis;
using VT = StreamAnalytics.Cli.Configuration.ConfigValueType;

namespace StreamAnalytics.Cli.Configuration;

/// <summary>
/// Every configuration key a job accepts: the single source for validation, environment-variable names and the
/// configuration reference (<c>streamanalytics config-keys</c> prints it; docs/CONFIGURATION.md is generated from it).
/// </summary>
public static class ConfigKeys
{
    /// <summary>Keys under these prefixes are passed on unchanged: <c>kafka.</c> to the Kafka clients (<c>kafka.consumer.</c>/<c>kafka.producer.</c> to one of them), <c>metrics.histogram.buckets.&lt;instrument&gt;</c> to the exporter.</summary>
    public static readonly IReadOnlyList<string> PassThroughPrefixes = ["kafka.", "metrics.histogram.buckets."];

    public static readonly IReadOnlyList<string> Formats = ["otlp_proto", "otlp_json", "jaeger_proto", "jaeger_json", "zipkin_json", "zipkin_proto"];
    public static readonly IReadOnlyList<string> FeatureNames = ["spanCounts", "edges", "servicePaths", "criticalPath", "timing", "quality"];
    public static readonly IReadOnlyList<string> AggregateKinds = ["operation", "edge", "servicePath", "rootOperation", "spanCount"];

    public static readonly IReadOnlyList<ConfigKey> All =
    [
        new("application.id", VT.String, "streamanalytics", "Consumer group ids (<id> for decoding, <id>-sub1 for assembly: one group per sub-topology) and prefix of internal topics (<id>-spans-by-trace-repartition, <id>-open-traces-changelog, <id>-trace-aggregates-changelog, <id>-dlq) and of the features topic <id>-trace-features."),

        new("kafka.bootstrap.servers", VT.String, null, "Kafka bootstrap servers; 'embedded' starts an in-process mock cluster (demo and tests only)."),

        new("source.topics", VT.List, "spans", "Topics holding raw spans."),
        new("source.format", VT.Enum, "otlp_proto", "Wire format of the span topics.") { AllowedValues = Formats },
        new("source.keyed.by.trace.id", VT.Enum, "auto", "Whether input records are already keyed (and so partitioned) by trace id; 'auto' = true for jaeger_* formats. When false the engine repartitions through <id>-spans-by-trace-repartition.") { AllowedValues = ["auto", "true", "false"] },

        new("processing.guarantee", VT.Enum, "at_least_once", "at_least_once: offsets are committed after outputs are acknowledged; exactly_once_v2: Kafka transactions wrap outputs, changelog writes and offsets.") { AllowedValues = ["at_least_once", "exactly_once_v2"] },

        new("commit.interval.ms", VT.Integer, "1000", "How often offsets are committed.") { Min = 10, Max = 600_000 },
        new("num.stream.threads", VT.Integer, "1", "Stream threads of this instance per sub-topology (each sub-topology has its own consumer group); a sub-topology's tasks (one per partition) are shared among its threads on all instances, so threads beyond the partition count idle.") { Min = 1, Max = 64 },

        new("repartition.partitions", VT.Integer, "0", "Partitions of <id>-spans-by-trace-repartition and of the changelogs; 0 = as many as the source topic.") { Min = 0, Max = 10_000 },

        new("assembly.gap.ms", VT.Integer, "10000", "A trace completes after this long without a new span (stream time and wall clock).") { Min = 1, Max = 86_400_000 },
        new("assembly.max.trace.duration.ms", VT.Integer, "300000", "A trace completes at the latest this long after its first span.") { Min = 1, Max = 86_400_000 },
        new("assembly.root.grace.ms", VT.Integer, "2000", "A trace completes this long after its root span arrived.") { Min = 0, Max = 86_400_000 },
        new("assembly.max.spans.per.trace", VT.Integer, "10000", "Spans kept per trace; more are counted and the trace is flagged truncated.") { Min = 1, Max = 10_000_000 },
        new("assembly.max.open.bytes", VT.Integer, "536870912", "Memory budget of open traces per assembly task (an instance runs one per repartition partition it owns, so it holds up to this times its tasks); above it the task's oldest traces complete early (reason memoryPressure).") { Min = 1 << 20, Max = long.MaxValue },
        new("assembly.late.retention.ms", VT.Integer, "60000", "How long after emission a late span still yields a follow-up revision of its trace.") { Min = 0, Max = 86_400_000 },
        new("assembly.max.open.traces", VT.Integer, "", "Optional cap on open traces per assembly task (empty = only the byte budget).") { Min = 1, Max = int.MaxValue },
        new("assembly.late.max.bytes", VT.Integer, "67108864", "Memory per assembly task for emitted traces kept to build late revisions (as accounted: the ring holding their spans can reach about 1.25 times this while reopened traces leave holes in it).") { Min = 0, Max = long.MaxValue },
        new("assembly.changelog.retention.ms", VT.Integer, "", "retention.ms of the open-traces changelog (empty = max trace duration + late retention + 10 min).") { Min = 1, Max = long.MaxValue },

        new("features.include", VT.List, "spanCounts,edges,servicePaths,criticalPath,timing,quality", "Features written in each trace document (scalar fields are always written).") { AllowedValues = FeatureNames },
        new("features.links.semantics", VT.Enum, "auto", "How dependency edges are built: parent (change of service = call), zipkin (DependencyLinker), opentelemetry (servicegraph connector), auto (by the span kinds present).") { AllowedValues = ["auto", "parent", "zipkin", "opentelemetry"] },

        new("output.features.topic", VT.String, "", "Topic for per-trace feature records; empty = <application.id>-trace-features; 'none' disables."),
        new("output.features.documents", VT.Boolean, "true", "Write one document per trace to the external sinks (false: aggregates only, as in the service-graph job)."),

        new("aggregate.kinds", VT.List, "operation,edge,servicePath,rootOperation,spanCount", "Aggregates computed per window.") { AllowedValues = AggregateKinds },
        new("aggregate.window.ms", VT.Integer, "60000", "Tumbling window size.") { Min = 1000, Max = 86_400_000 },
        new("aggregate.grace.ms", VT.Integer, "10000", "How long after its end a window still accepts traces (by stream time).") { Min = 0, Max = 86_400_000 },
        new("aggregate.cardinality.limit", VT.Integer, "10000", "Series per aggregate kind per window; more go to one overflow series.") { Min = 1, Max = 10_000_000 },
        new("aggregate.max.open.windows", VT.Integer, "32", "Open windows per task; the oldest is emitted early beyond it.") { Min = 1, Max = 100_000 },
        new("aggregate.sketch.relative.accuracy", VT.String, "0.01", "Relative accuracy of the DDSketch latency sketches."),
        new("aggregate.sketch.max.buckets", VT.Integer, "2048", "Buckets per sketch; the lowest collapse beyond it.") { Min = 16, Max = 65_536 },

        new("elasticsearch.urls", VT.List, "", "Elasticsearch/OpenSearch URLs; empty disables the sink."),
        new("elasticsearch.username", VT.String, "", "Basic-auth user."),
        new("elasticsearch.password", VT.String, "", "Basic-auth password.") { Secret = true },
        new("elasticsearch.api.key", VT.String, "", "API key (sent as 'Authorization: ApiKey ...').") { Secret = true },
        new("elasticsearch.tls.verify", VT.Boolean, "true", "Verify the server's TLS certificate."),
        new("elasticsearch.templates.enabled", VT.Boolean, "true", "Put the index templates at start."),
        new("elasticsearch.index.features", VT.String, "trace-features", "Index prefix of per-trace documents (daily indices <prefix>-YYYY.MM.DD)."),
        new("elasticsearch.index.aggregates", VT.String, "trace-aggregates", "Index prefix of aggregate documents (daily indices)."),
        new("elasticsearch.bulk.max.docs", VT.Integer, "1000", "Documents per bulk request.") { Min = 1, Max = 100_000 },
        new("elasticsearch.bulk.max.bytes", VT.Integer, "5242880", "Bytes per bulk request.") { Min = 1024, Max = 1L << 30 },
        new("elasticsearch.flush.interval.ms", VT.Integer, "1000", "Longest a document waits in the bulk buffer.") { Min = 1, Max = 600_000 },
        new("elasticsearch.max.retries", VT.Integer, "8", "Retries of a failed bulk item before the flush fails (offsets are then not committed).") { Min = 0, Max = 1000 },
        new("elasticsearch.backoff.base.ms", VT.Integer, "100", "First retry delay; doubles per retry, with jitter.") { Min = 1, Max = 600_000 },
        new("elasticsearch.backoff.max.ms", VT.Integer, "30000", "Largest retry delay.") { Min = 1, Max = 600_000 },
        new("elasticsearch.max.buffered.bytes", VT.Integer, "67108864", "Buffer limit; when full, processing waits (back-pressure).") { Min = 1024, Max = long.MaxValue },
        new("elasticsearch.request.timeout.ms", VT.Integer, "30000", "Timeout of one HTTP request.") { Min = 100, Max = 600_000 },

        new("file.dir", VT.String, "", "Directory for NDJSON output; empty disables the file sink."),
        new("file.format", VT.Enum, "bulk", "bulk: Elasticsearch _bulk NDJSON (action + document lines); plain: one document per line.") { AllowedValues = ["bulk", "plain"] },

        new("metrics.bind", VT.Endpoint, "0.0.0.0:9464", "Address of /metrics, /healthz and /readyz."),
        new("metrics.cardinality.limit", VT.Integer, "2000", "Series per metric; more go to one series labelled overflow=\"true\".") { Min = 1, Max = 1_000_000 },
        new("metrics.meters", VT.List, "StreamAnalytics*,System.Runtime", "Meters exported on /metrics (names, '*' suffix = prefix); System.Runtime is .NET's GC, heap and thread-pool meter."),
        new("metrics.exemplars.enabled", VT.Boolean, "true", "Trace-id exemplars on histograms for OpenMetrics scrapes."),

        new("log.format", VT.Enum, "text", "Console log format.") { AllowedValues = ["text", "json"] },
        new("log.level", VT.Enum, "information", "Minimum log level.") { AllowedValues = ["trace", "debug", "information", "warning", "error"] },

        new("shutdown.timeout.ms", VT.Integer, "30000", "Bound on graceful shutdown (flush and commit) after SIGTERM.") { Min = 100, Max = 600_000 },
    ];

    /// <summary>Keys without a default that a job must set.</summary>
    public static readonly IReadOnlySet<string> Required = new HashSet<string>(StringComparer.Ordinal) { "kafka.bootstrap.servers" };

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);
    private static readonly Dictionary<string, string> ByEnvironmentName = All.ToDictionary(k => k.EnvironmentVariable, k => k.Name, StringComparer.Ordinal);

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
