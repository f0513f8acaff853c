namespace StreamAnalytics.Tools.Generate;

/// <summary>An uninstrumented data store. Calls to it make client spans only.</summary>
public sealed class DatabaseDefinition
{
    /// <summary>Name, unique across services, databases and topics; it becomes the client span's <c>peer.service</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>db.system</c>, e.g. <c>redis</c> or <c>postgresql</c>.</summary>
    public string System { get; init; } = "";

    /// <summary><c>db.name</c>, e.g. the schema or the Redis database.</summary>
    public string DbName { get; init; } = "";

    /// <summary><c>server.address</c>; the database name when null.</summary>
    public string? Address { get; init; }

    /// <summary>Round trip of one query as the client sees it.</summary>
    public LatencyDistribution Latency { get; init; } = new();

    /// <summary>Probability, 0 to 1, that a query fails.</summary>
    public double ErrorRate { get; init; }
}
