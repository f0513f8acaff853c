using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Features.Extract;

/// <summary>
/// Which per-trace features a job writes in its documents (<c>features.include</c>). Scalar fields are always
/// written. Aggregation always sees every feature: only the documents are trimmed, so a job that writes span counts
/// only can still aggregate edges.
/// </summary>
public sealed class FeatureSelection
{
    public const string SpanCounts = "spanCounts";
    public const string Edges = "edges";
    public const string ServicePaths = "servicePaths";
    public const string CriticalPath = "criticalPath";
    public const string Timing = "timing";
    public const string Quality = "quality";

    /// <summary>Every feature name, in document order.</summary>
    public static readonly IReadOnlyList<string> AllNames = [SpanCounts, Edges, ServicePaths, CriticalPath, Timing, Quality];

    public static FeatureSelection All { get; } = new(AllNames);

    public const string IncludeKey = "features.include";

    /// <summary>The <c>features.include</c> key: every feature by default.</summary>
    public static ConfigKey Key { get; } = ConfigKey.ListOf(IncludeKey, AllNames, "Features written in each trace document (scalar fields are always written; `criticalPath` also covers `criticalPathByService` and `criticalPathOutsideRootUs`, written as 0 when excluded).", AllNames);

    private readonly HashSet<string> _included;

    /// <exception cref="ArgumentException">An unknown feature name (the message lists the accepted ones).</exception>
    public FeatureSelection(IEnumerable<string> included)
    {
        _included = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in included)
        {
            if (!AllNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"{IncludeKey}: '{name}' is not one of {string.Join(", ", AllNames)}");
            _included.Add(name);
        }
    }

    public bool Includes(string feature) => _included.Contains(feature);

    public bool IncludesAll => _included.Count == AllNames.Count;

    /// <summary>
    /// The document view of <paramref name="f"/>: the same object when everything is included, otherwise a shallow copy
    /// whose excluded features are empty (the original, which aggregation reads, is not changed). Features that
    /// <see cref="TraceFeatures"/> builds on first read are shared in whatever form they are in, so the copy does not
    /// build them either.
    /// </summary>
    public TraceFeatures Apply(TraceFeatures f)
    {
        if (IncludesAll) return f;
        var copy = f.CopyScalars();
        copy.SpanCounts = Includes(SpanCounts) ? f.SpanCounts : new();
        copy.Edges = Includes(Edges) ? f.Edges : [];
        copy.ServicePaths = Includes(ServicePaths) ? f.ServicePaths : new();
        copy.ServicePathLeafCallUs = Includes(ServicePaths) ? f.ServicePathLeafCallUs : new();
        copy.Quality = Includes(Quality) ? f.Quality : new();
        if (Includes(CriticalPath)) f.ShareCriticalPathWith(copy);
        if (Includes(Timing)) f.ShareTimingWith(copy);
        return copy;
    }
}
