namespace StreamAnalytics.Features.Extract.ServiceGraph;

/// <summary>The <c>connectionType</c> of an <see cref="Edge"/>.</summary>
internal enum ConnectionType : byte
{
    /// <summary>A request between two services (<c>direct</c>).</summary>
    Direct,
    /// <summary>A client call to a database named by <c>db.name</c>/<c>db.system</c> (<c>database</c>).</summary>
    Database,
    /// <summary>Through a messaging system: producer/consumer (<c>messaging</c>; OTel's <c>messaging_system</c>).</summary>
    Messaging,
    /// <summary>One side is not instrumented and is named from the other side's attributes, or is <c>user</c> (<c>virtual</c>).</summary>
    Virtual,
}

internal static class ConnectionTypeNames
{
    public static string Name(ConnectionType type) => type switch
    {
        ConnectionType.Direct => "direct",
        ConnectionType.Database => "database",
        ConnectionType.Messaging => "messaging",
        _ => "virtual",
    };
}
