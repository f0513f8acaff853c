using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.ServiceGraph;

/// <summary>
/// Accumulates the calls of one trace per (client, server, connection type), keyed by interned ids so that a call
/// costs a dictionary probe; the <see cref="Edge"/> (and its strings) is created once per distinct edge.
/// </summary>
/// <remarks>Not thread-safe; reused across traces by one <see cref="LinkBuilder"/>.</remarks>
internal sealed class EdgeSet
{
    /// <summary>Pseudo id of OpenTelemetry's virtual client <c>user</c> (not in any <see cref="StringTable"/>).</summary>
    public const int UserNode = -1;

    /// <summary>Name of the virtual client of a root server span.</summary>
    public const string UserNodeName = "user";

    private readonly Dictionary<EdgeKey, Edge> _edges = new();
    private StringTable? _strings;

    public void Reset(StringTable strings)
    {
        _edges.Clear();
        _strings = strings;
    }

    public int Count => _edges.Count;

    public void Add(int client, int server, ConnectionType type, bool error, long durationUs)
    {
        var key = new EdgeKey(client, server, type);
        if (!_edges.TryGetValue(key, out Edge? edge))
        {
            edge = new Edge
            {
                Client = NameOf(client),
                Server = NameOf(server),
                ConnectionType = ConnectionTypeNames.Name(type),
            };
            _edges.Add(key, edge);
        }
        edge.Calls++;
        if (error) edge.Errors++;
        edge.TotalDurationUs += durationUs;
        edge.DurationsUs.Add(durationUs);
    }

    /// <summary>The edges sorted by client, server, then connection type (ordinal), which keeps documents stable.</summary>
    public List<Edge> ToSortedList()
    {
        var list = new List<Edge>(_edges.Count);
        foreach (Edge e in _edges.Values) list.Add(e);
        list.Sort(static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Client, b.Client);
            if (c != 0) return c;
            c = string.CompareOrdinal(a.Server, b.Server);
            return c != 0 ? c : string.CompareOrdinal(a.ConnectionType, b.ConnectionType);
        });
        _edges.Clear();
        return list;
    }

    private string NameOf(int id) => id == UserNode ? UserNodeName : _strings![id];

    private readonly record struct EdgeKey(int Client, int Server, ConnectionType Type);
}
