using System.Runtime.InteropServices;
using System.Text;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.ServicePaths;

/// <summary>
/// <c>servicePaths</c>: each root-to-leaf chain of service names, consecutive repeats collapsed, joined with
/// <c>&gt;</c> and counted per leaf (so the counts sum to the number of leaves); and, per path, the duration of its
/// slowest leaf call (<see cref="TraceFeatures.ServicePathLeafCallUs"/>): for each leaf span, the outermost span of
/// its run of same-service spans, i.e. the call into the path's last service.
/// </summary>
/// <remarks>
/// <para>
/// Paths are interned top-down as (parent path, service) pairs in a <see cref="PathTrie"/> that outlives the trace,
/// so each span costs one table probe and a path string is built once per distinct path for the life of the
/// extractor (the same few dozen paths recur in every trace of a system), never once per trace or per leaf. A path
/// stops growing after <see cref="FeatureConfig.MaxServicePathLength"/> services and ends in <c>...</c>.
/// </para>
/// <para>
/// Paths are written in the order the trace first reaches them (breadth-first), which is the order the document's
/// dictionary, and so the aggregator, sees them in. Not thread-safe.
/// </para>
/// </remarks>
internal sealed class ServicePathsExtractor
{
    /// <summary>Joins services in a path key.</summary>
    public const char Separator = '>';

    /// <summary>Last segment of a path cut at the configured length.</summary>
    public const string Ellipsis = "...";

    private readonly PathTrie _trie = new();
    private int[] _pathOf = [];
    // The span where each span's run of one service began (itself, or its parent's entry when the service repeats).
    private int[] _entryOf = [];
    // Per path id, the slowest leaf call of this trace in ns (-1 = none yet); reset for the reached paths per trace.
    private long[] _leafCallNs = [];
    private readonly StringBuilder _text = new();
    private int[] _chain = [];

    /// <summary>Paths the trie holds now (for tests of its bound).</summary>
    internal int CachedPaths => _trie.Count;

    public void Extract(TraceTree tree, ReadOnlySpan<Span> spans, StringTable strings, int maxLength, TraceFeatures into)
    {
        int n = tree.Count;
        if (_pathOf.Length < n) _pathOf = new int[n];
        if (_entryOf.Length < n) _entryOf = new int[n];
        _trie.BeginTrace(strings, maxLength);
        ReadOnlySpan<int> parent = tree.Parent;
        bool shortened = false;
        foreach (int i in tree.Order)
        {
            int p = parent[i];
            int service = spans[i].Service;
            int path;
            _entryOf[i] = i;
            if (p < 0)
            {
                path = _trie.Intern(PathTrie.NoPath, service);
            }
            else
            {
                int parentPath = _pathOf[p];
                int last = _trie.Service(parentPath);
                if (last == service || last == PathTrie.EllipsisService)
                {
                    path = parentPath;
                    _entryOf[i] = _entryOf[p]; // the same service (or beyond the cut) goes on: its call began above
                }
                else if (_trie.Length(parentPath) >= maxLength)
                {
                    path = _trie.Intern(parentPath, PathTrie.EllipsisService);
                    shortened = true;
                }
                else path = _trie.Intern(parentPath, service);
            }
            _pathOf[i] = path;
        }
        if (shortened) FeatureMetrics.ServicePathsShortened();

        if (_leafCallNs.Length < _trie.Count) Array.Resize(ref _leafCallNs, Math.Max(_trie.Count, 2 * _leafCallNs.Length));
        ReadOnlySpan<int> reachedPaths = _trie.Reached;
        foreach (int path in reachedPaths) _leafCallNs[path] = -1;
        for (int i = 0; i < n; i++)
        {
            if (tree.ChildCount(i) != 0) continue;
            int path = _pathOf[i];
            _trie.AddLeaf(path);
            long call = spans[_entryOf[i]].DurationNanos;
            if (call > _leafCallNs[path]) _leafCallNs[path] = call;
        }
        ReadOnlySpan<int> reached = _trie.Reached;
        var leafCalls = into.ServicePathLeafCallUs;
        var result = into.ServicePaths;
        result.EnsureCapacity(result.Count + reached.Length);
        foreach (int path in reached)
        {
            int leaves = _trie.Leaves(path);
            if (leaves == 0) continue;
            string key = _trie.Text(path) ?? _trie.SetText(path, Render(path, strings));
            CollectionsMarshal.GetValueRefOrAddDefault(result, key, out _) += leaves;
            ref long slowest = ref CollectionsMarshal.GetValueRefOrAddDefault(leafCalls, key, out _);
            slowest = Math.Max(slowest, _leafCallNs[path] / 1000);
        }
        _trie.EndTrace();
        if (_pathOf.Length > TraceTree.RetainedCapacity)
        {
            _pathOf = [];
            _entryOf = [];
            _chain = [];
        }
    }

    private string Render(int path, StringTable strings)
    {
        int length = _trie.Length(path);
        if (_chain.Length < length) _chain = new int[Math.Max(length, 16)];
        for (int p = path, k = length - 1; p != PathTrie.NoPath; p = _trie.Parent(p), k--) _chain[k] = _trie.Service(p);
        _text.Clear();
        for (int k = 0; k < length; k++)
        {
            if (k > 0) _text.Append(Separator);
            _text.Append(_chain[k] == PathTrie.EllipsisService ? Ellipsis : strings[_chain[k]]);
        }
        return _text.ToString();
    }
}
