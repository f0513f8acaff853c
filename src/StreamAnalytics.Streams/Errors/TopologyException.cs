namespace StreamAnalytics.Streams.Errors;

/// <summary>A topology is invalid (unknown parent, duplicate name, mismatched types, a topic read twice); thrown while it is built.</summary>
public sealed class TopologyException : StreamsException
{
    public TopologyException(string message) : base("Invalid topology: " + message) { }
}
