namespace StreamAnalytics.Features.Extract;

/// <summary>
/// Which ecosystem's definition of a service dependency edge the link builder follows (config key
/// <c>features.links.semantics</c>). See <c>Extract/ServiceGraph/README.md</c> for the rules of each.
/// </summary>
public enum LinkSemantics
{
    /// <summary>
    /// Chosen per trace: <see cref="Zipkin"/> when a span is a Zipkin shared server half (flagged or inferred),
    /// else <see cref="OpenTelemetry"/> when any span has a kind, else <see cref="Parent"/>.
    /// </summary>
    Auto,

    /// <summary>One call for every span whose parent runs in another service, plus leaf client/producer peers.</summary>
    Parent,

    /// <summary>zipkin2 <c>DependencyLinker</c>: the links Zipkin's UI and dependencies job draw.</summary>
    Zipkin,

    /// <summary>The OpenTelemetry Collector servicegraph connector (and Tempo's service graphs).</summary>
    OpenTelemetry,
}
