using StreamAnalytics.Features.Extract.Collections;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.ServicePaths;

/// <summary>
/// The service paths seen so far, as a trie of (parent path, service) nodes numbered by a <see cref="DenseKeyTable"/>,
/// each with its rendered string once some trace ended a path there; plus, for the current trace, which paths it
/// reached (in order) and how many leaves end on each.
/// </summary>
/// <remarks>
/// Bounded: past <see cref="MaxPaths"/> nodes or <see cref="MaxTextChars"/> characters of cached strings (a
/// cardinality explosion, or one huge trace), it starts over after the trace instead of growing. Service ids are only
/// meaningful within one <see cref="StringTable"/>, and lengths depend on the configured maximum, so the trie also
/// starts over when either changes. Not thread-safe.
/// </remarks>
internal sealed class PathTrie
{
    public const int MaxPaths = 16_384;
    public const int MaxTextChars = 1 << 20;

    /// <summary>Parent of a root path.</summary>
    public const int NoPath = -1;

    /// <summary>The service id of the <c>...</c> segment that ends a path cut at the maximum length.</summary>
    public const int EllipsisService = -1;

    private const int InitialNodes = 64;

    private readonly DenseKeyTable _nodes = new();
    private int[] _parent = new int[InitialNodes];
    private int[] _service = new int[InitialNodes];
    private int[] _length = new int[InitialNodes];
    private string?[] _text = new string?[InitialNodes];
    private int[] _reachedIn = new int[InitialNodes]; // the trace number that last reached the node
    private int[] _leaves = new int[InitialNodes];
    private int[] _reached = new int[InitialNodes];
    private int _reachedCount;
    private int _trace;
    private long _textChars;
    private StringTable? _strings;
    private int _maxLength;

    /// <summary>Nodes held.</summary>
    public int Count => _nodes.Count;

    /// <summary>The paths the current trace reached, in the order it first reached them.</summary>
    public ReadOnlySpan<int> Reached => _reached.AsSpan(0, _reachedCount);

    public int Parent(int path) => _parent[path];
    public int Service(int path) => _service[path];
    public int Length(int path) => _length[path];
    public int Leaves(int path) => _leaves[path];
    public string? Text(int path) => _text[path];

    public string SetText(int path, string text)
    {
        _textChars += text.Length;
        return _text[path] = text;
    }

    public void BeginTrace(StringTable strings, int maxLength)
    {
        if (!ReferenceEquals(strings, _strings) || maxLength != _maxLength || _trace == int.MaxValue) Reset();
        _strings = strings;
        _maxLength = maxLength;
        _trace++;
        _reachedCount = 0;
    }

    public void EndTrace()
    {
        if (_nodes.Count > MaxPaths || _textChars > MaxTextChars) Reset();
        else if (_reached.Length > TraceTree.RetainedCapacity) _reached = new int[InitialNodes];
        _reachedCount = 0;
    }

    /// <summary>The path <paramref name="parentPath"/> followed by <paramref name="service"/>, marked reached by this trace.</summary>
    public int Intern(int parentPath, int service)
    {
        int known = _nodes.Count;
        int path = _nodes.GetOrAdd(((long)(parentPath + 1) << 32) | (uint)service);
        if (path == known) AddNode(path, parentPath, service);
        if (_reachedIn[path] != _trace)
        {
            _reachedIn[path] = _trace;
            _leaves[path] = 0;
            if (_reachedCount == _reached.Length) Array.Resize(ref _reached, _reachedCount * 2);
            _reached[_reachedCount++] = path;
        }
        return path;
    }

    public void AddLeaf(int path) => _leaves[path]++;

    private void AddNode(int path, int parentPath, int service)
    {
        if (path == _parent.Length)
        {
            int size = path * 2;
            Array.Resize(ref _parent, size);
            Array.Resize(ref _service, size);
            Array.Resize(ref _length, size);
            Array.Resize(ref _text, size);
            Array.Resize(ref _reachedIn, size);
            Array.Resize(ref _leaves, size);
        }
        _parent[path] = parentPath;
        _service[path] = service;
        _length[path] = parentPath == NoPath ? 1 : _length[parentPath] + 1;
        _text[path] = null;
        _reachedIn[path] = 0;
    }

    private void Reset()
    {
        _nodes.TrimTo(TraceTree.RetainedCapacity); // clears too
        if (_parent.Length > InitialNodes)
        {
            _parent = new int[InitialNodes];
            _service = new int[InitialNodes];
            _length = new int[InitialNodes];
            _text = new string?[InitialNodes];
            _reachedIn = new int[InitialNodes];
            _leaves = new int[InitialNodes];
        }
        _reached = new int[InitialNodes];
        _reachedCount = 0;
        _trace = 0;
        _textChars = 0;
    }
}
