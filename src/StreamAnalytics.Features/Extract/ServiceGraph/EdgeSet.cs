using StreamAnalytics.Features.Extract.Collections;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.ServiceGraph;

/// <summary>
/// Accumulates the calls of one trace per (client, server, connection type), keyed by interned ids in reusable
/// open-addressing tables, and turns them into <see cref="Edge"/>s once the trace is done: one Edge (and one
/// exactly-sized <see cref="Edge.DurationsUs"/> list) per distinct edge, no objects per call.
/// </summary>
/// <remarks>
/// Edges come out in order of their first call, then sorted by client, server and connection type names; names can
/// tie (a service literally called <c>user</c> and the virtual <see cref="UserNodeName"/>), so the starting order is
/// part of the result and is kept. Not thread-safe; reused across traces by one <see cref="LinkBuilder"/>.
/// </remarks>
internal sealed class EdgeSet
{
    /// <summary>Pseudo id of OpenTelemetry's virtual client <c>user</c> (not in any <see cref="StringTable"/>).</summary>
    public const int UserNode = -1;

    /// <summary>Name of the virtual client of a root server span.</summary>
    public const string UserNodeName = "user";

    // Edge key → edge number, one probe per call: the key is (client, server, type) packed into 64 bits, which fits
    // when every id is below 2^30 (any table of at most MaxNarrowEntries names: the default holds a million). For a
    // larger table, (client, server) goes through _pairs first and the key is (pair number, type).
    private const int MaxNarrowEntries = 1 << 30;
    private readonly DenseKeyTable _pairs = new();
    private readonly DenseKeyTable _edges = new();
    private bool _narrow;
    private int[] _calls = new int[8];
    private int[] _errors = new int[8];
    private long[] _totalUs = new long[8];
    // Every call's edge and duration, in call order, to fill the DurationsUs lists once their sizes are known.
    private int[] _callEdge = new int[16];
    private long[] _callUs = new long[16];
    private int _callCount;
    private StringTable? _strings;

    public void Reset(StringTable strings)
    {
        _pairs.Clear();
        _edges.Clear();
        _callCount = 0;
        _strings = strings;
        _narrow = strings.MaxEntries <= MaxNarrowEntries;
    }

    public int Count => _edges.Count;

    public void Add(int client, int server, ConnectionType type, bool error, long durationUs)
    {
        long key = _narrow
            ? ((long)client << 32) | ((long)server << 2) | (long)type // client may be UserNode (-1): the high half
            : ((long)_pairs.GetOrAdd(((long)client << 32) | (uint)server) << 2) | (long)type;
        int known = _edges.Count;
        int edge = _edges.GetOrAdd(key);
        if (edge == known)
        {
            if (edge == _calls.Length)
            {
                Array.Resize(ref _calls, edge * 2);
                Array.Resize(ref _errors, edge * 2);
                Array.Resize(ref _totalUs, edge * 2);
            }
            _calls[edge] = 0;
            _errors[edge] = 0;
            _totalUs[edge] = 0;
        }
        _calls[edge]++;
        if (error) _errors[edge]++;
        _totalUs[edge] += durationUs;
        if (_callCount == _callEdge.Length)
        {
            Array.Resize(ref _callEdge, _callCount * 2);
            Array.Resize(ref _callUs, _callCount * 2);
        }
        _callEdge[_callCount] = edge;
        _callUs[_callCount] = durationUs;
        _callCount++;
    }

    /// <summary>
    /// Appends the edges to <paramref name="into"/> (which must be empty) sorted by client, server, then connection
    /// type (ordinal), which keeps documents stable; then forgets them.
    /// </summary>
    public void MoveSortedTo(List<Edge> into)
    {
        System.Diagnostics.Debug.Assert(into.Count == 0, "edge numbers are list indexes");
        int count = _edges.Count;
        if (into.Capacity < count) into.Capacity = count;
        for (int e = 0; e < count; e++)
        {
            long edgeKey = _edges.KeyAt(e);
            int client, server;
            if (_narrow)
            {
                client = (int)(edgeKey >> 32);
                server = (int)((uint)edgeKey >> 2);
            }
            else
            {
                long pairKey = _pairs.KeyAt((int)(edgeKey >> 2));
                client = (int)(pairKey >> 32);
                server = (int)pairKey;
            }
            into.Add(new Edge(new List<long>(_calls[e]))
            {
                Client = NameOf(client),
                Server = NameOf(server),
                ConnectionType = ConnectionTypeNames.Name((ConnectionType)(edgeKey & 3)),
                Calls = _calls[e],
                Errors = _errors[e],
                TotalDurationUs = _totalUs[e],
            });
        }
        for (int c = 0; c < _callCount; c++) into[_callEdge[c]].DurationsUs.Add(_callUs[c]);
        into.Sort(static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Client, b.Client);
            if (c != 0) return c;
            c = string.CompareOrdinal(a.Server, b.Server);
            return c != 0 ? c : string.CompareOrdinal(a.ConnectionType, b.ConnectionType);
        });
        Trim();
    }

    private void Trim()
    {
        _pairs.TrimTo(TraceTree.RetainedCapacity);
        _edges.TrimTo(TraceTree.RetainedCapacity);
        _callCount = 0;
        if (_calls.Length > TraceTree.RetainedCapacity)
        {
            _calls = new int[8];
            _errors = new int[8];
            _totalUs = new long[8];
        }
        if (_callEdge.Length > TraceTree.RetainedCapacity)
        {
            _callEdge = new int[16];
            _callUs = new long[16];
        }
    }

    private string NameOf(int id) => id == UserNode ? UserNodeName : _strings![id];
}
