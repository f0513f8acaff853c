namespace StreamAnalytics.Formats;

/// <summary>Limits every decoder enforces, so that one hostile message costs bounded time and memory.</summary>
/// <remarks>Immutable after construction; one instance is shared by all decoders of a process.</remarks>
public sealed class DecoderOptions
{
    /// <summary>Job key of <see cref="MaxSpansPerMessage"/>.</summary>
    public const string MaxSpansPerMessageKey = "decode.max.spans.per.message";

    /// <summary>Job key of <see cref="MaxDepth"/>.</summary>
    public const string MaxDepthKey = "decode.max.depth";

    /// <summary>Bounds of <see cref="MaxDepth"/>: JSON span documents need about 4 levels; recursion beyond 1000 risks the stack.</summary>
    public const int MinDepth = 4, MaxDepthLimit = 1000;

    /// <summary>The defaults: one million spans per message, JSON nesting depth 64.</summary>
    public static DecoderOptions Default { get; } = new();

    /// <summary>
    /// Most spans one message may hold (config key <c>decode.max.spans.per.message</c>, default 1,000,000). A message with
    /// more fails whole with <see cref="DecodeErrorKind.LimitExceeded"/>.
    /// </summary>
    public int MaxSpansPerMessage { get; init; } = 1_000_000;

    /// <summary>
    /// Deepest JSON nesting accepted (config key <c>decode.max.depth</c>, default 64). Deeper input fails with
    /// <see cref="DecodeErrorKind.LimitExceeded"/> instead of recursing. Protobuf attribute values are never descended into
    /// (nested <c>AnyValue</c>s are skipped by length), so this bounds JSON only.
    /// </summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>
    /// What precedes the payload (job key <c>source.framing</c>, default <see cref="SourceFraming.Auto"/>): Confluent
    /// Schema Registry framing is stripped when present.
    /// </summary>
    public SourceFraming Framing { get; init; } = SourceFraming.Auto;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the config key when a limit is not positive.</summary>
    public DecoderOptions Validate()
    {
        if (MaxSpansPerMessage < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxSpansPerMessage), MaxSpansPerMessage, $"{MaxSpansPerMessageKey} must be at least 1");
        if (MaxDepth is < MinDepth or > MaxDepthLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, $"{MaxDepthKey} must be between {MinDepth} and {MaxDepthLimit}");
        if (!Enum.IsDefined(Framing))
            throw new ArgumentOutOfRangeException(nameof(Framing), Framing, $"{SourceFramingNames.Key} must be one of {string.Join(", ", SourceFramingNames.All)}");
        return this;
    }
}
