namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// How an operation is entered. The span kind of an outgoing call (client, producer) follows from what it calls, so only the
/// receiving side is configured here.
/// </summary>
public enum OperationKind
{
    /// <summary>Entered by a remote call: a SERVER span, child of the caller's CLIENT span (or a trace root for an entry point).</summary>
    Server,

    /// <summary>Local work called from another operation of the same service: one INTERNAL span, no client half.</summary>
    Internal,

    /// <summary>Entered by a message from a topic: a CONSUMER span, child of the publisher's PRODUCER span.</summary>
    Consumer,
}
