using System.Text.Json.Serialization;
using StreamAnalytics.Features.Extract.Compact;
using SpanCountsExtractor = StreamAnalytics.Features.Extract.SpanCounts.SpanCountsExtractor;

namespace StreamAnalytics.Features.Extract;

/// <summary>
/// The feature vector of one completed trace: the document written to <c>{app}-trace-features</c>, to the
/// <c>trace-features-*</c> index and to <c>traces.ndjson</c> (camelCase JSON), and the input of the windowed aggregations.
/// </summary>
/// <remarks>
/// <para>Plain data; filled by <c>TraceFeatureExtractor</c>. Times are microseconds since the Unix epoch.</para>
/// <para>
/// Built on first read: the features that only documents read (<see cref="TraceId"/>, <see cref="CriticalPath"/>,
/// <see cref="CriticalPathByService"/>, <see cref="SelfTimeByOperation"/>, <see cref="NetworkLatencies"/>) are
/// stored by the extractor in compact form (the id as a number, arrays of structs) and become the public string,
/// lists and dictionaries the first time the property is read; <see cref="TraceFeaturesJson"/> writes straight from
/// the compact form, so a job that only serialises the features never creates those objects. From the first read
/// or assignment on, the property's value is what every reader (the JSON included) sees. Like the rest of this
/// class, that first read is not thread-safe: it changes the object, without a lock, so a document must not be read
/// by several threads until its properties have been read once (serialising it concurrently is fine).
/// </para>
/// </remarks>
public sealed class TraceFeatures
{
    // Compact forms (see remarks): a null public field means "not built yet"; a null array means "empty".
    private string? _traceId = "";
    private Formats.Model.TraceId _traceIdValue;
    private List<CriticalPathSection>? _criticalPath;
    private CriticalPathEntry[]? _criticalPathEntries;
    private Dictionary<string, long>? _criticalPathByService;
    private NamedTotal[]? _criticalPathByServiceEntries;
    private Dictionary<string, long>? _selfTimeByOperation;
    private NamedTotal[]? _selfTimeEntries;
    private List<NetworkLatency>? _networkLatencies;
    private NetworkLatencyEntry[]? _networkLatencyEntries;

    /// <summary>32 lowercase hex characters.</summary>
    public string TraceId
    {
        get => _traceId ??= _traceIdValue.ToString();
        set => _traceId = value;
    }

    /// <summary>0 for the first emission; incremented by each late-span follow-up.</summary>
    public int Revision { get; set; }

    /// <summary><c>gap</c>, <c>root</c>, <c>maxDuration</c>, <c>memoryPressure</c>, <c>late</c> or <c>endOfInput</c>.</summary>
    public string CompletionReason { get; set; } = "";

    public long StartTimeUs { get; set; }
    public long DurationUs { get; set; }
    public int SpanCount { get; set; }
    public int ServiceCount { get; set; }
    public int ErrorCount { get; set; }
    public string RootService { get; set; } = "";
    public string RootOperation { get; set; } = "";
    /// <summary>True when the root span is an error.</summary>
    public bool RootError { get; set; }
    public int Depth { get; set; }
    public int MaxFanOut { get; set; }

    /// <summary>Spans per <c>service::operation</c> (<see cref="SplitServiceOperation"/> takes a key apart).</summary>
    public Dictionary<string, int> SpanCounts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The service and operation of a <see cref="SpanCounts"/> or <see cref="SelfTimeByOperation"/> key, split at the
    /// first <c>::</c>; a key without one is a service with an empty operation.
    /// </summary>
    public static (string Service, string Operation) SplitServiceOperation(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int sep = key.IndexOf(SpanCountsExtractor.Separator, StringComparison.Ordinal);
        return sep < 0 ? (key, "") : (key[..sep], key[(sep + SpanCountsExtractor.Separator.Length)..]);
    }

    public List<Edge> Edges { get; set; } = [];

    /// <summary>Root-to-leaf service chains (<c>frontend&gt;checkout&gt;cart</c>), counted per leaf.</summary>
    public Dictionary<string, int> ServicePaths { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per service path, the duration in µs of the path's slowest leaf call in this trace: the outermost span of the
    /// path's last service (the call into the leaf service, with whatever that service did under it). The servicePath
    /// aggregates' latency, so a path that got slower shows it even when the whole trace did not. Not part of the
    /// features document (it feeds the aggregates in-process).
    /// </summary>
    [JsonIgnore]
    public Dictionary<string, long> ServicePathLeafCallUs { get; set; } = new(StringComparer.Ordinal);

    public List<CriticalPathSection> CriticalPath
    {
        get => _criticalPath ??= CriticalPathEntry.ToList(_criticalPathEntries);
        set => _criticalPath = value;
    }

    /// <summary>Microseconds of the critical path spent in each service.</summary>
    public Dictionary<string, long> CriticalPathByService
    {
        get => _criticalPathByService ??= NamedTotal.ToDictionary(_criticalPathByServiceEntries);
        set => _criticalPathByService = value;
    }

    /// <summary>
    /// Microseconds of the trace (<see cref="DurationUs"/>) outside the root span's [start, end]: children that ran on
    /// after the root ended, spans that started before it, other roots. Not on the critical path, which covers the root
    /// span only, so <see cref="DurationUs"/> = the sum of <see cref="CriticalPathByService"/> + this.
    /// </summary>
    public long CriticalPathOutsideRootUs { get; set; }

    /// <summary>Self time (span duration minus the union of its children's, clipped), summed per <c>service::operation</c>.</summary>
    public Dictionary<string, long> SelfTimeByOperation
    {
        get => _selfTimeByOperation ??= NamedTotal.ToDictionary(_selfTimeEntries);
        set => _selfTimeByOperation = value;
    }

    /// <summary>Server start minus client start, per client/server service pair.</summary>
    public List<NetworkLatency> NetworkLatencies
    {
        get => _networkLatencies ??= NetworkLatencyEntry.ToList(_networkLatencyEntries);
        set => _networkLatencies = value;
    }

    public TraceQuality Quality { get; set; } = new();

    /// <summary>
    /// Null unless this document was capped (<see cref="DocumentCaps"/>): how many entries of each per-trace list the
    /// document left out. The features a document was made from, which aggregation reads, are whole.
    /// </summary>
    public DocumentOmissions? Omitted { get; set; }

    // ---- Compact forms: the extractor sets them, TraceFeaturesJson and FeatureSelection read them ----

    /// <summary>Sets the trace id; <see cref="TraceId"/> is formatted on first read.</summary>
    internal void SetTraceId(Formats.Model.TraceId id)
    {
        _traceIdValue = id;
        _traceId = null;
    }

    /// <summary><see cref="TraceId"/> if it exists as a string (read or assigned), else null: see <see cref="TraceIdValue"/>.</summary>
    internal string? TraceIdIfBuilt => _traceId;

    internal Formats.Model.TraceId TraceIdValue => _traceIdValue;

    internal void SetCriticalPath(CriticalPathEntry[] sections, NamedTotal[] byService)
    {
        _criticalPath = null;
        _criticalPathEntries = sections;
        _criticalPathByService = null;
        _criticalPathByServiceEntries = byService;
    }

    internal void SetSelfTimeByOperation(NamedTotal[] byOperation)
    {
        _selfTimeByOperation = null;
        _selfTimeEntries = byOperation;
    }

    internal void SetNetworkLatencies(NetworkLatencyEntry[] latencies)
    {
        _networkLatencies = null;
        _networkLatencyEntries = latencies;
    }

    // Each pair: the public value if built (it wins), else the compact entries.
    internal List<CriticalPathSection>? CriticalPathIfBuilt => _criticalPath;
    internal ReadOnlySpan<CriticalPathEntry> CriticalPathEntries => _criticalPathEntries;
    internal Dictionary<string, long>? CriticalPathByServiceIfBuilt => _criticalPathByService;
    internal ReadOnlySpan<NamedTotal> CriticalPathByServiceEntries => _criticalPathByServiceEntries;
    internal Dictionary<string, long>? SelfTimeByOperationIfBuilt => _selfTimeByOperation;
    internal ReadOnlySpan<NamedTotal> SelfTimeByOperationEntries => _selfTimeEntries;
    internal List<NetworkLatency>? NetworkLatenciesIfBuilt => _networkLatencies;
    internal ReadOnlySpan<NetworkLatencyEntry> NetworkLatencyEntries => _networkLatencyEntries;

    /// <summary>
    /// A new instance with this trace's id and scalar fields (revision, reason, times, counts, root, shape) and nothing
    /// else: the start of a selected or capped copy (<see cref="FeatureSelection"/>, <see cref="DocumentCaps"/>), which
    /// sets the lists it keeps.
    /// </summary>
    internal TraceFeatures CopyScalars()
    {
        var copy = new TraceFeatures
        {
            Revision = Revision,
            CompletionReason = CompletionReason,
            StartTimeUs = StartTimeUs,
            DurationUs = DurationUs,
            SpanCount = SpanCount,
            ServiceCount = ServiceCount,
            ErrorCount = ErrorCount,
            RootService = RootService,
            RootOperation = RootOperation,
            RootError = RootError,
            Depth = Depth,
            MaxFanOut = MaxFanOut,
        };
        ShareTraceIdWith(copy);
        return copy;
    }

    /// <summary>Gives <paramref name="copy"/> the same trace id, without building its string.</summary>
    internal void ShareTraceIdWith(TraceFeatures copy)
    {
        copy._traceId = _traceId;
        copy._traceIdValue = _traceIdValue;
    }

    /// <summary>
    /// Gives <paramref name="copy"/> this trace's critical path (its three properties): the same list and dictionary
    /// when built, else the same compact entries (never changed once set, so sharing them is safe).
    /// </summary>
    internal void ShareCriticalPathWith(TraceFeatures copy)
    {
        copy.CriticalPathOutsideRootUs = CriticalPathOutsideRootUs;
        copy._criticalPath = _criticalPath;
        copy._criticalPathEntries = _criticalPathEntries;
        copy._criticalPathByService = _criticalPathByService;
        copy._criticalPathByServiceEntries = _criticalPathByServiceEntries;
    }

    /// <summary>Gives <paramref name="copy"/> this trace's timing features (self time, network latencies), as above.</summary>
    internal void ShareTimingWith(TraceFeatures copy)
    {
        copy._selfTimeByOperation = _selfTimeByOperation;
        copy._selfTimeEntries = _selfTimeEntries;
        copy._networkLatencies = _networkLatencies;
        copy._networkLatencyEntries = _networkLatencyEntries;
    }
}

/// <summary>A service dependency edge observed in one trace.</summary>
public sealed class Edge
{
    public string Client { get; set; } = "";
    public string Server { get; set; } = "";
    /// <summary><c>direct</c>, <c>database</c>, <c>messaging</c> or <c>virtual</c>.</summary>
    public string ConnectionType { get; set; } = "direct";
    public int Calls { get; set; }
    public int Errors { get; set; }
    /// <summary>Sum of the calls' durations (server span if present, else client span).</summary>
    public long TotalDurationUs { get; set; }

    /// <summary>Each call's duration, for the edge latency distribution; not part of the document.</summary>
    [JsonIgnore]
    public List<long> DurationsUs { get; set; }

    public Edge() : this([]) { }

    /// <summary>An edge whose durations go to <paramref name="durationsUs"/> (the link builder sizes it exactly).</summary>
    internal Edge(List<long> durationsUs) => DurationsUs = durationsUs;
}

/// <summary>One section of the critical path.</summary>
public sealed class CriticalPathSection
{
    /// <summary>16 lowercase hex characters.</summary>
    public string SpanId { get; set; } = "";
    public string Service { get; set; } = "";
    public long StartUs { get; set; }
    public long EndUs { get; set; }
}

/// <summary>Network latency between a client span and its server child, aggregated per service pair.</summary>
public sealed class NetworkLatency
{
    public string Client { get; set; } = "";
    public string Server { get; set; } = "";
    public int Count { get; set; }
    public long TotalUs { get; set; }
    public long MaxUs { get; set; }
}

/// <summary>Trace-quality flags.</summary>
public sealed class TraceQuality
{
    /// <summary>Spans whose parent id is not in the trace (treated as roots).</summary>
    public int OrphanSpans { get; set; }
    /// <summary>Spans whose id was already seen in the trace (Zipkin shared client/server halves excepted).</summary>
    public int DuplicateSpanIds { get; set; }
    /// <summary>Spans that start before or end after their parent.</summary>
    public int ClockSkewSpans { get; set; }
    /// <summary>Spans dropped by <c>assembly.max.spans.per.trace</c>.</summary>
    public bool Truncated { get; set; }
    public int DroppedSpans { get; set; }
    /// <summary>Spans that are their own parent or part of a parent cycle (treated as roots).</summary>
    public int CycleSpans { get; set; }
}

/// <summary>
/// Entries a capped trace document left out, per list (<c>features.document.max.entries</c>,
/// <c>features.document.max.critical.path.sections</c>). Written as the document's <c>omitted</c> object, only when
/// something was left out.
/// </summary>
public sealed class DocumentOmissions
{
    public int SpanCounts { get; set; }
    public int Edges { get; set; }
    public int ServicePaths { get; set; }
    public int CriticalPath { get; set; }
    public int CriticalPathByService { get; set; }
    public int SelfTimeByOperation { get; set; }
    public int NetworkLatencies { get; set; }

    /// <summary>Sum over every list.</summary>
    public long Total => (long)SpanCounts + Edges + ServicePaths + CriticalPath + CriticalPathByService + SelfTimeByOperation + NetworkLatencies;
}
