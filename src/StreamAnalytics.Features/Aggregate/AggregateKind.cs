namespace StreamAnalytics.Features.Aggregate;

/// <summary>The dimension a windowed aggregate is keyed by. Its <see cref="AggregateKindNames.Of"/> name is the <c>kind</c> field of the document.</summary>
public enum AggregateKind : byte
{
    /// <summary>(service, operation, span kind, status) per span: RED metrics per operation.</summary>
    Operation = 0,
    /// <summary>(client, server, connection type) per service-graph edge.</summary>
    Edge = 1,
    /// <summary>A root-to-leaf service path string: the service-path histogram.</summary>
    ServicePath = 2,
    /// <summary>(root service, root operation) per trace.</summary>
    RootOperation = 3,
    /// <summary>(service, operation): the distribution of that operation's spans per trace.</summary>
    SpanCount = 4,
}

/// <summary>Stable names of <see cref="AggregateKind"/> values (document field and metric label values).</summary>
public static class AggregateKindNames
{
    /// <summary>Number of kinds, for per-kind arrays.</summary>
    public const int Count = 5;

    /// <summary>Every name, in kind order (the accepted values of <c>aggregate.kinds</c>).</summary>
    public static IReadOnlyList<string> All { get; } = [Of(AggregateKind.Operation), Of(AggregateKind.Edge), Of(AggregateKind.ServicePath), Of(AggregateKind.RootOperation), Of(AggregateKind.SpanCount)];

    /// <summary>camelCase name: <c>operation</c>, <c>edge</c>, <c>servicePath</c>, <c>rootOperation</c>, <c>spanCount</c>.</summary>
    public static string Of(AggregateKind kind) => kind switch
    {
        AggregateKind.Operation => "operation",
        AggregateKind.Edge => "edge",
        AggregateKind.ServicePath => "servicePath",
        AggregateKind.RootOperation => "rootOperation",
        AggregateKind.SpanCount => "spanCount",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown aggregate kind"),
    };
}
