using StreamAnalytics.Features.Assembly;

namespace StreamAnalytics.Features.Extract;

/// <summary>A completed trace with its features: what the extraction step forwards to aggregation and the sinks.</summary>
/// <remarks>The <see cref="Trace"/>'s span array may be reused after the forward returns: children must not keep it.</remarks>
public sealed record CompletedTrace(Trace Trace, TraceFeatures Features);
