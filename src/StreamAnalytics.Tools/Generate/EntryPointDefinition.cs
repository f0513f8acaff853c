namespace StreamAnalytics.Tools.Generate;

/// <summary>A root operation: where traces start, and how often relative to the other entry points.</summary>
public sealed class EntryPointDefinition
{
    /// <summary>Name of the service that receives the request.</summary>
    public string Service { get; init; } = "";

    /// <summary>Name of a <see cref="OperationKind.Server"/> operation of that service.</summary>
    public string Operation { get; init; } = "";

    /// <summary>Relative frequency (not a probability: weights need not sum to 1). 0 disables the entry point.</summary>
    public double Weight { get; init; } = 1;
}
