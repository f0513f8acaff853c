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
    /// <summary>Decoded from Zipkin (JSON or protobuf). At most one of the three source flags is set; none when the span was built another way.</summary>
    SourceZipkin = 16,
    /// <summary>Decoded from Jaeger (JSON or protobuf).</summary>
    SourceJaeger = 32,
    /// <summary>Decoded from OTLP (JSON or protobuf).</summary>
    SourceOtlp = 64,
    /// <summary>The three source flags: which format's rules apply to the span (dependency links under <c>auto</c>).</summary>
    SourceMask = SourceZipkin | SourceJaeger | SourceOtlp,
    /// <summary>
    /// The reference that made <see cref="Span.ParentSpanId"/> the parent is a Jaeger FOLLOWS_FROM: the parent does
    /// not wait for this span, so it is not on the parent's critical path. Set by the Jaeger decoders when the span has
    /// no CHILD_OF reference in its trace and its parent comes from a FOLLOWS_FROM one.
    /// </summary>
    FollowsFrom = 128,
}
