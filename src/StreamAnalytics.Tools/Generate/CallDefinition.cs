namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// An outgoing call. Exactly one of <see cref="Service"/>, <see cref="Database"/> and <see cref="Topic"/> names the target:
/// <list type="bullet">
/// <item>a service's server operation: a CLIENT span in the caller and a SERVER span in the callee as its child;</item>
/// <item>an internal operation of the caller's own service: one INTERNAL span;</item>
/// <item>a database: one CLIENT span with <c>db.system</c> and <c>db.name</c> (databases are uninstrumented peers, so no server half);</item>
/// <item>a topic: one PRODUCER span with <c>messaging.system</c>, and a CONSUMER span per subscriber as its child.</item>
/// </list>
/// </summary>
public sealed class CallDefinition
{
    /// <summary>Target service name, or null when the target is a database or topic.</summary>
    public string? Service { get; init; }

    /// <summary>Target database name, or null.</summary>
    public string? Database { get; init; }

    /// <summary>Target topic name, or null.</summary>
    public string? Topic { get; init; }

    /// <summary>
    /// For a service: the callee's operation (required). For a database: the span name, such as <c>SELECT products</c> (required).
    /// For a topic: the producer span name; <c>{topic} publish</c> when null.
    /// </summary>
    public string? Operation { get; init; }

    /// <summary>Probability, 0 to 1, that the call is made at all each time the caller runs. Default 1.</summary>
    public double Probability { get; init; } = 1;

    /// <summary>How many times the call is made, e.g. one catalogue lookup per cart item. Default exactly once.</summary>
    public RepeatRange Repeat { get; init; } = new();

    /// <summary>Whether the repeats run one after another or overlap. Default sequential.</summary>
    public CallConcurrency Concurrency { get; init; } = CallConcurrency.Sequential;

    /// <summary>When true, the call starts together with the call before it instead of after it returned (parallel fan-out of different calls).</summary>
    public bool WithPrevious { get; init; }

    /// <summary>
    /// Recursion depth, default 1. With depth N the callee makes this same call again (after its own calls), N levels deep:
    /// how a topology describes a deep chain, such as a report that renders nested sections, without a call cycle.
    /// Only for service calls.
    /// </summary>
    public int Depth { get; init; } = 1;
}
