namespace StreamAnalytics.Formats.Model;

/// <summary>Per-span booleans packed into one byte.</summary>
[Flags]
public enum SpanFlags : byte
{
    None = 0,
    /// <summary>OTLP status ERROR, an <c>error</c> tag that is true or non-empty (Jaeger, Zipkin), or an HTTP status ≥ 500.</summary>
    Error = 1,
    /// <summary>Zipkin's <c>shared</c>: this server half reuses its client's span id.</summary>
    Shared = 2,
    /// <summary>The decoder clamped a negative duration to zero.</summary>
    NegativeDuration = 4,
    /// <summary>OTLP status code was set explicitly (OK or ERROR), so it overrides error tags.</summary>
    StatusSet = 8,
}
