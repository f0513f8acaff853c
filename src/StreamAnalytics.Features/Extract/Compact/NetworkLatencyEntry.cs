namespace StreamAnalytics.Features.Extract.Compact;

/// <summary>One <see cref="NetworkLatency"/> as the extractor stores it: a struct in one exactly-sized array per trace.</summary>
internal readonly struct NetworkLatencyEntry(string client, string server, int count, long totalUs, long maxUs)
{
    public readonly string Client = client;
    public readonly string Server = server;
    public readonly int Count = count;
    public readonly long TotalUs = totalUs;
    public readonly long MaxUs = maxUs;

    /// <summary>Client, then server (ordinal): the document order.</summary>
    public static readonly Comparison<NetworkLatencyEntry> ByClientThenServer = static (a, b) =>
    {
        int c = string.CompareOrdinal(a.Client, b.Client);
        return c != 0 ? c : string.CompareOrdinal(a.Server, b.Server);
    };

    /// <summary>The public list, in the same order.</summary>
    public static List<NetworkLatency> ToList(NetworkLatencyEntry[]? entries)
    {
        if (entries is null) return [];
        var list = new List<NetworkLatency>(entries.Length);
        foreach (NetworkLatencyEntry e in entries)
        {
            list.Add(new NetworkLatency { Client = e.Client, Server = e.Server, Count = e.Count, TotalUs = e.TotalUs, MaxUs = e.MaxUs });
        }
        return list;
    }
}
