namespace StreamAnalytics.Formats;

/// <summary>
/// Why one message could not be decoded: enough to build a dead-letter record (<c>x-error-*</c> headers) and a log line.
/// </summary>
/// <param name="Format">The format the message was decoded as.</param>
/// <param name="Reason">What was wrong, in words an operator can act on.</param>
/// <param name="ByteOffset">Offset in the message value where decoding failed, or -1 when unknown.</param>
/// <param name="Kind">A stable, metric-label-safe category.</param>
public sealed record DecodeError(SpanFormat Format, DecodeErrorKind Kind, string Reason, long ByteOffset = -1)
{
    public override string ToString() => ByteOffset >= 0
        ? $"{Format.ToConfigName()}: {Reason} (at byte {ByteOffset})"
        : $"{Format.ToConfigName()}: {Reason}";
}

/// <summary>Categories of decode failure; used as the <c>kind</c> label of the decode-error counter.</summary>
public enum DecodeErrorKind
{
    /// <summary>Not valid protobuf / JSON at all (truncated, bad varint, bad wire type, random bytes).</summary>
    Malformed,
    /// <summary>Well-formed, but a field has the wrong type or shape (a string where a number belongs, ...).</summary>
    InvalidField,
    /// <summary>A trace or span id is missing, all zero, or of the wrong length.</summary>
    InvalidId,
    /// <summary>A limit was hit (nesting depth, message size, spans per message).</summary>
    LimitExceeded,
    /// <summary>The message is empty.</summary>
    Empty,
}
