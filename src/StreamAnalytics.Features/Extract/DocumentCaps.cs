namespace StreamAnalytics.Features.Extract;

/// <summary>
/// Bounds the per-trace lists of a trace document (<c>features.document.max.entries</c>,
/// <c>features.document.max.critical.path.sections</c>), so a trace inside <c>assembly.max.spans.per.trace</c> gives a
/// document that fits Kafka's <c>message.max.bytes</c>: a 10,000-span fan-out with distinct operation names, or a
/// 10,000-deep chain, wrote over 1 MB before.
/// </summary>
/// <remarks>
/// <para>What is kept: per map, the entries with the largest values (span count, microseconds, traces per path); of
/// the edges, those with the most calls; of the network latencies, the pairs with the most calls; of the critical
/// path, the longest sections, in path order. Ties go to the key (ordinal) or to the earlier entry, so the same
/// features give the same document. <see cref="TraceFeatures.Omitted"/> counts what was left out, per list.</para>
/// <para>Only the document is capped: the features the extractor made, which aggregation and the derived metrics read,
/// are not changed (a capped copy is returned). A trace within every cap returns the same object and costs a few
/// length checks. Runs on the task's thread (it reads properties that <see cref="TraceFeatures"/> builds on first
/// read).</para>
/// </remarks>
public sealed class DocumentCaps
{
    private readonly int _maxEntries;
    private readonly int _maxSections;

    /// <summary>Caps from <paramref name="config"/> (validated).</summary>
    public DocumentCaps(FeatureConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _maxEntries = config.MaxDocumentEntries;
        _maxSections = config.MaxCriticalPathSections;
    }

    /// <summary>The defaults (1000 entries per list, 1000 critical-path sections).</summary>
    public static DocumentCaps Default { get; } = new(FeatureConfig.Default);

    /// <summary><paramref name="f"/> itself when every list fits, else a copy with capped lists and <see cref="TraceFeatures.Omitted"/> set.</summary>
    public TraceFeatures Apply(TraceFeatures f)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (Fits(f)) return f;

        var omitted = new DocumentOmissions();
        var copy = f.CopyScalars();
        copy.CriticalPathOutsideRootUs = f.CriticalPathOutsideRootUs;
        copy.Quality = f.Quality;
        copy.ServicePathLeafCallUs = f.ServicePathLeafCallUs;
        copy.SpanCounts = LargestValues(f.SpanCounts, _maxEntries, out int spanCounts);
        copy.ServicePaths = LargestValues(f.ServicePaths, _maxEntries, out int servicePaths);
        copy.CriticalPathByService = LargestValues(f.CriticalPathByService, _maxEntries, out int byService);
        copy.SelfTimeByOperation = LargestValues(f.SelfTimeByOperation, _maxEntries, out int selfTime);
        copy.Edges = KeepLargest(f.Edges, _maxEntries, MoreCalls, out int edges);
        copy.NetworkLatencies = KeepLargest(f.NetworkLatencies, _maxEntries, MoreLatencyCalls, out int latencies);
        copy.CriticalPath = KeepLargest(f.CriticalPath, _maxSections, Longer, out int sections);
        omitted.SpanCounts = spanCounts;
        omitted.ServicePaths = servicePaths;
        omitted.CriticalPathByService = byService;
        omitted.SelfTimeByOperation = selfTime;
        omitted.Edges = edges;
        omitted.NetworkLatencies = latencies;
        omitted.CriticalPath = sections;
        copy.Omitted = omitted;
        FeatureMetrics.DocumentCapped(omitted);
        return copy;
    }

    /// <summary>True when no list is over its cap (compact forms are measured without building them).</summary>
    private bool Fits(TraceFeatures f) =>
        f.SpanCounts.Count <= _maxEntries
        && f.ServicePaths.Count <= _maxEntries
        && f.Edges.Count <= _maxEntries
        && (f.CriticalPathIfBuilt?.Count ?? f.CriticalPathEntries.Length) <= _maxSections
        && (f.CriticalPathByServiceIfBuilt?.Count ?? f.CriticalPathByServiceEntries.Length) <= _maxEntries
        && (f.SelfTimeByOperationIfBuilt?.Count ?? f.SelfTimeByOperationEntries.Length) <= _maxEntries
        && (f.NetworkLatenciesIfBuilt?.Count ?? f.NetworkLatencyEntries.Length) <= _maxEntries;

    private static readonly Comparison<Edge> MoreCalls = static (a, b) => b.Calls.CompareTo(a.Calls);
    private static readonly Comparison<NetworkLatency> MoreLatencyCalls = static (a, b) => b.Count.CompareTo(a.Count);
    private static readonly Comparison<CriticalPathSection> Longer = static (a, b) => (b.EndUs - b.StartUs).CompareTo(a.EndUs - a.StartUs);

    /// <summary>The <paramref name="max"/> entries with the largest values (ties: smaller key first); the map itself when it fits.</summary>
    private static Dictionary<string, T> LargestValues<T>(Dictionary<string, T> map, int max, out int omitted)
        where T : struct, IComparable<T>
    {
        omitted = Math.Max(0, map.Count - max);
        if (omitted == 0) return map;
        var pairs = new KeyValuePair<string, T>[map.Count];
        int n = 0;
        foreach (KeyValuePair<string, T> pair in map) pairs[n++] = pair;
        Array.Sort(pairs, static (a, b) =>
        {
            int byValue = b.Value.CompareTo(a.Value);
            return byValue != 0 ? byValue : string.CompareOrdinal(a.Key, b.Key);
        });
        var kept = new Dictionary<string, T>(max, StringComparer.Ordinal);
        for (int i = 0; i < max; i++) kept.Add(pairs[i].Key, pairs[i].Value);
        return kept;
    }

    /// <summary>The <paramref name="max"/> items that sort first by <paramref name="largerFirst"/> (ties: earlier first), in their original order.</summary>
    private static List<T> KeepLargest<T>(List<T> items, int max, Comparison<T> largerFirst, out int omitted)
    {
        omitted = Math.Max(0, items.Count - max);
        if (omitted == 0) return items;
        var order = new int[items.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            int c = largerFirst(items[a], items[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        Array.Sort(order, 0, max); // the kept ones back in their original order
        var kept = new List<T>(max);
        for (int i = 0; i < max; i++) kept.Add(items[order[i]]);
        return kept;
    }
}
