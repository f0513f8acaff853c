using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;

namespace StreamAnalytics.Cli.Demo;

/// <summary>
/// Collects what the demo's closing report shows, as a sink of the running job: service paths, root operations with
/// a latency sketch each, and service-graph edges. Bounded: at most <see cref="MaxKeys"/> distinct keys per table.
/// </summary>
/// <remarks>Add runs on the stream thread; the report is read after the job stopped (and under the lock anyway).</remarks>
internal sealed class DemoReport : ISink
{
    public const int MaxKeys = 10_000;

    private readonly object _lock = new();
    private readonly Dictionary<string, (long Traces, long Errors)> _paths = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DDSketch Durations, long Errors)> _roots = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Client, string Server, string Type), (long Calls, long Errors)> _edges = new();

    public long Traces { get; private set; }
    public long Spans { get; private set; }
    public long Aggregates { get; private set; }

    public void Add(FeaturesDocument document, CancellationToken cancellationToken = default)
    {
        TraceFeatures features = document.Features; // whole: the report counts what the documents may have capped
        if (features.Revision > 0) return;
        lock (_lock)
        {
            Traces++;
            Spans += features.SpanCount;
            bool error = features.ErrorCount > 0;
            foreach (string path in features.ServicePaths.Keys)
            {
                if (!_paths.TryGetValue(path, out var p) && _paths.Count >= MaxKeys) continue;
                _paths[path] = (p.Traces + 1, p.Errors + (error ? 1 : 0));
            }
            string root = features.RootService + " " + features.RootOperation;
            if (!_roots.TryGetValue(root, out var r))
            {
                if (_roots.Count >= MaxKeys) return;
                r = (new DDSketch(), 0);
            }
            r.Durations.Add(Math.Max(1, features.DurationUs));
            _roots[root] = (r.Durations, r.Errors + (features.RootError ? 1 : 0));
            foreach (Edge e in features.Edges)
            {
                var key = (e.Client, e.Server, e.ConnectionType);
                if (!_edges.TryGetValue(key, out var v) && _edges.Count >= MaxKeys) continue;
                _edges[key] = (v.Calls + e.Calls, v.Errors + e.Errors);
            }
        }
    }

    public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default)
    {
        lock (_lock) Aggregates++;
    }

    public void Flush(CancellationToken cancellationToken) { }

    public IReadOnlyList<(string Path, long Traces, double ErrorRate)> TopPaths(int n)
    {
        lock (_lock)
            return _paths.OrderByDescending(kv => kv.Value.Traces).Take(n)
                .Select(kv => (kv.Key, kv.Value.Traces, kv.Value.Errors / (double)kv.Value.Traces)).ToList();
    }

    public IReadOnlyList<(string Root, long Traces, double P50Ms, double P99Ms, double ErrorRate)> SlowestRoots(int n)
    {
        lock (_lock)
            return _roots.Select(kv => (kv.Key, kv.Value.Durations.Count, kv.Value.Durations.GetQuantile(0.5) / 1000, kv.Value.Durations.GetQuantile(0.99) / 1000,
                    kv.Value.Errors / (double)Math.Max(1, kv.Value.Durations.Count)))
                .OrderByDescending(r => r.Item4).Take(n).ToList();
    }

    public IReadOnlyList<(string Client, string Server, string Type, long Calls, double ErrorRate)> Edges()
    {
        lock (_lock)
            return _edges.OrderBy(kv => kv.Key.Client, StringComparer.Ordinal).ThenBy(kv => kv.Key.Server, StringComparer.Ordinal)
                .Select(kv => (kv.Key.Client, kv.Key.Server, kv.Key.Type, kv.Value.Calls, kv.Value.Errors / (double)Math.Max(1, kv.Value.Calls))).ToList();
    }
}
