namespace StreamAnalytics.Tools.Generate;

/// <summary>A subscriber of a topic: one consumer operation of one service.</summary>
public sealed class ConsumerDefinition
{
    /// <summary>Name of the subscribing service.</summary>
    public string Service { get; init; } = "";

    /// <summary>Name of a <see cref="OperationKind.Consumer"/> operation of that service.</summary>
    public string Operation { get; init; } = "";
}
