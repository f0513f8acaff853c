namespace StreamAnalytics.Tools.Generate;

/// <summary>One operation of a service: the span it makes, how long its own work takes, how often it fails and what it calls.</summary>
/// <remarks>
/// The span's duration is its own work (<see cref="Latency"/>, split before and after the calls) plus the time spent in its calls,
/// so a caller is always at least as long as what it waits for.
/// </remarks>
public sealed class OperationDefinition
{
    /// <summary>Operation (span) name, unique within the service. Client spans that call it carry the same name.</summary>
    public string Name { get; init; } = "";

    /// <summary>How the operation is entered, which sets its span kind.</summary>
    public OperationKind Kind { get; init; } = OperationKind.Server;

    /// <summary>Wire protocol of a server operation; <see cref="CallProtocol.None"/> for internal and consumer operations.</summary>
    public CallProtocol Protocol { get; init; } = CallProtocol.None;

    /// <summary>The operation's own work, excluding its calls.</summary>
    public LatencyDistribution Latency { get; init; } = new();

    /// <summary>Probability, 0 to 1, that the operation fails by itself (failures of its calls come on top, see <see cref="SimulatedSystem.ErrorPropagation"/>).</summary>
    public double ErrorRate { get; init; }

    /// <summary>Calls made while the operation runs, in order.</summary>
    public IReadOnlyList<CallDefinition> Calls { get; init; } = [];
}
