namespace StreamAnalytics.Tools.Generate;

/// <summary>An instrumented service: its name is the span's <c>service.name</c>.</summary>
public sealed class ServiceDefinition
{
    /// <summary>Service name, unique across services, databases and topics.</summary>
    public string Name { get; init; } = "";

    /// <summary>The operations the service can run.</summary>
    public IReadOnlyList<OperationDefinition> Operations { get; init; } = [];
}
