namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// A message topic. Publishing is a PRODUCER span in the caller; each subscriber receives the message later in a CONSUMER span,
/// a child of the producer span. Delivery is asynchronous, so consumer spans start after their producer span ended and may end
/// after the trace root: the one place where a child lies outside its parent by design.
/// </summary>
public sealed class TopicDefinition
{
    /// <summary>Topic name, unique across services, databases and topics.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>messaging.system</c>, e.g. <c>kafka</c>; also the producer span's <c>peer.service</c>.</summary>
    public string System { get; init; } = "kafka";

    /// <summary><c>server.address</c> of the broker; the system name when null.</summary>
    public string? Address { get; init; }

    /// <summary>Duration of the producer span (send and acknowledgement).</summary>
    public LatencyDistribution PublishLatency { get; init; } = new(1, 8);

    /// <summary>Time from the end of the producer span to the start of each consumer span.</summary>
    public LatencyDistribution DeliveryDelay { get; init; } = new(5, 50);

    /// <summary>The operations that receive every message: each must be a <see cref="OperationKind.Consumer"/> operation.</summary>
    public IReadOnlyList<ConsumerDefinition> Consumers { get; init; } = [];
}
