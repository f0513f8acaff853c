namespace StreamAnalytics.Features.Repartition;

/// <summary>Categories of <see cref="SpanCodec"/> decode failure; stable names, usable as a metric label.</summary>
public enum SpanCodecErrorKind
{
    /// <summary>Decoding succeeded.</summary>
    None = 0,
    /// <summary>The value has no bytes.</summary>
    Empty,
    /// <summary>The first byte is not a codec version this build reads.</summary>
    UnsupportedVersion,
    /// <summary>The bytes end in the middle of a field, a varint is too long, or bytes follow the last span.</summary>
    Malformed,
    /// <summary>A field is out of range: a string index past the record's table, an unknown span kind or peer kind.</summary>
    InvalidField,
    /// <summary>A span has an all-zero trace id.</summary>
    InvalidId,
    /// <summary>More strings, longer strings or more spans than the codec's limits allow.</summary>
    LimitExceeded,
}

/// <summary>Why a <see cref="SpanCodec"/> value could not be decoded. A value type, so a failure allocates nothing.</summary>
/// <param name="Kind">What was wrong.</param>
/// <param name="ByteOffset">Where in the value decoding stopped.</param>
public readonly record struct SpanCodecError(SpanCodecErrorKind Kind, int ByteOffset)
{
    /// <summary>A message an operator can act on (allocates; for logs and dead-letter headers only).</summary>
    public override string ToString() => Kind switch
    {
        SpanCodecErrorKind.None => "no error",
        SpanCodecErrorKind.Empty => "span codec: empty value",
        SpanCodecErrorKind.UnsupportedVersion => $"span codec: unsupported version byte at {ByteOffset} (this build reads version {SpanCodec.Version})",
        SpanCodecErrorKind.LimitExceeded => $"span codec: a count or length at byte {ByteOffset} exceeds the codec limits (maxSpansPerRecord / maxStringBytes)",
        _ => $"span codec: {Kind} at byte {ByteOffset}",
    };
}
