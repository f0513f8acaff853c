using System.Runtime.InteropServices;
using System.Text;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.ServicePaths;

/// <summary>
/// <c>servicePaths</c>: each root-to-leaf chain of service names, consecutive repeats collapsed, joined with
/// <c>&gt;</c> and counted per leaf (so the counts sum to the number of leaves).
/// </summary>
/// <remarks>
/// Paths are interned top-down as (parent path, service) pairs, so each span costs one dictionary probe and a path
/// string is built once per distinct path that ends at a leaf, never once per leaf. A path stops growing after
/// <see cref="FeatureConfig.MaxServicePathLength"/> services and ends in <c>...</c>. Not thread-safe.
/// </remarks>
internal sealed class ServicePathsExtractor
{
    /// <summary>Joins services in a path key.</summary>
    public const char Separator = '>';

    /// <summary>Last segment of a path cut at the configured length.</summary>
    public const string Ellipsis = "...";

    private const int EllipsisService = -1;

    private readonly Dictionary<(int ParentPath, int Service), int> _paths = new();
    private readonly List<PathNode> _nodes = new();
    private int[] _pathOf = [];
    private int[] _leaves = [];
    private readonly StringBuilder _text = new();
    private int[] _chain = [];

    public void Extract(TraceTree tree, ReadOnlySpan<Span> spans, StringTable strings, int maxLength, TraceFeatures into)
    {
        int n = tree.Count;
        if (_pathOf.Length < n) _pathOf = new int[n];
        _paths.Clear();
        _nodes.Clear();
        ReadOnlySpan<int> parent = tree.Parent;
        foreach (int i in tree.Order)
        {
            int p = parent[i];
            int service = spans[i].Service;
            int path;
            if (p < 0)
            {
                path = Intern(-1, service, 1);
            }
            else
            {
                int parentPath = _pathOf[p];
                PathNode node = _nodes[parentPath];
                if (node.Service == service || node.Service == EllipsisService) path = parentPath;
                else if (node.Length >= maxLength) path = Intern(parentPath, EllipsisService, node.Length + 1);
                else path = Intern(parentPath, service, node.Length + 1);
            }
            _pathOf[i] = path;
        }

        if (_leaves.Length < _nodes.Count) _leaves = new int[Math.Max(_nodes.Count, 16)];
        Array.Clear(_leaves, 0, _nodes.Count);
        for (int i = 0; i < n; i++)
        {
            if (tree.ChildCount(i) == 0) _leaves[_pathOf[i]]++;
        }
        var result = into.ServicePaths;
        result.EnsureCapacity(result.Count + _nodes.Count);
        for (int path = 0; path < _nodes.Count; path++)
        {
            if (_leaves[path] == 0) continue;
            string key = Render(path, strings);
            CollectionsMarshal.GetValueRefOrAddDefault(result, key, out _) += _leaves[path];
        }
        if (_pathOf.Length > TraceTree.RetainedCapacity)
        {
            _pathOf = [];
            _leaves = [];
            _chain = [];
            _paths.Clear();
            _paths.TrimExcess();
            _nodes.Clear();
            _nodes.TrimExcess();
        }
    }

    private int Intern(int parentPath, int service, int length)
    {
        ref int id = ref CollectionsMarshal.GetValueRefOrAddDefault(_paths, (parentPath, service), out bool exists);
        if (!exists)
        {
            id = _nodes.Count;
            _nodes.Add(new PathNode(parentPath, service, length));
        }
        return id;
    }

    private string Render(int path, StringTable strings)
    {
        int length = _nodes[path].Length;
        if (_chain.Length < length) _chain = new int[Math.Max(length, 16)];
        for (int p = path, k = length - 1; p >= 0; p = _nodes[p].Parent, k--) _chain[k] = _nodes[p].Service;
        _text.Clear();
        for (int k = 0; k < length; k++)
        {
            if (k > 0) _text.Append(Separator);
            _text.Append(_chain[k] == EllipsisService ? Ellipsis : strings[_chain[k]]);
        }
        return _text.ToString();
    }

    private readonly record struct PathNode(int Parent, int Service, int Length);
}
