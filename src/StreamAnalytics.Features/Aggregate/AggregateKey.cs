namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// The dimension values of one aggregate series: a kind and up to four strings whose meaning depends on the kind
/// (see the factory methods). Equality is ordinal on all five.
/// </summary>
public readonly record struct AggregateKey
{
    /// <summary>The value every dimension of an overflow series has.</summary>
    public const string OverflowValue = "__overflow__";

    private AggregateKey(AggregateKind kind, string v0, string v1, string v2, string v3)
    {
        Kind = kind;
        V0 = v0 ?? "";
        V1 = v1 ?? "";
        V2 = v2 ?? "";
        V3 = v3 ?? "";
    }

    /// <summary>The dimension kind.</summary>
    public AggregateKind Kind { get; }

    /// <summary>First dimension: service, client, path or root service.</summary>
    public string V0 { get; }

    /// <summary>Second dimension: operation, server or root operation ("" when the kind has none).</summary>
    public string V1 { get; }

    /// <summary>Third dimension: span kind or connection type.</summary>
    public string V2 { get; }

    /// <summary>Fourth dimension: status.</summary>
    public string V3 { get; }

    /// <summary>True for the series that collects everything beyond the cardinality limit.</summary>
    public bool IsOverflow => V0 == OverflowValue && V1 == OverflowValue;

    /// <summary>(service, operation, span kind, status).</summary>
    public static AggregateKey Operation(string service, string operation, string spanKind, string status) =>
        new(AggregateKind.Operation, service, operation, spanKind, status);

    /// <summary>(client, server, connection type).</summary>
    public static AggregateKey Edge(string client, string server, string connectionType) =>
        new(AggregateKind.Edge, client, server, connectionType, "");

    /// <summary>(path).</summary>
    public static AggregateKey ServicePath(string path) => new(AggregateKind.ServicePath, path, "", "", "");

    /// <summary>(root service, root operation).</summary>
    public static AggregateKey RootOperation(string rootService, string rootOperation) =>
        new(AggregateKind.RootOperation, rootService, rootOperation, "", "");

    /// <summary>(service, operation) of a spans-per-trace distribution.</summary>
    public static AggregateKey SpanCount(string service, string operation) => new(AggregateKind.SpanCount, service, operation, "", "");

    /// <summary>The overflow series of <paramref name="kind"/>: every dimension the kind has is <see cref="OverflowValue"/>.</summary>
    public static AggregateKey Overflow(AggregateKind kind) => kind switch
    {
        AggregateKind.Operation => new(kind, OverflowValue, OverflowValue, OverflowValue, OverflowValue),
        AggregateKind.Edge => new(kind, OverflowValue, OverflowValue, OverflowValue, ""),
        AggregateKind.ServicePath => new(kind, OverflowValue, OverflowValue, "", ""),
        _ => new(kind, OverflowValue, OverflowValue, "", ""),
    };

    /// <summary>Builds a key from its raw parts (changelog restore).</summary>
    internal static AggregateKey FromParts(AggregateKind kind, string v0, string v1, string v2, string v3) => new(kind, v0, v1, v2, v3);
}
