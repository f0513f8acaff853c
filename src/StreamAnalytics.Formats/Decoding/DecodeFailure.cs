using StreamAnalytics.Formats.Protobuf;

namespace StreamAnalytics.Formats.Decoding;

/// <summary>
/// The first failure of one decode, carried by reference through the readers so that no exception is needed. Reasons
/// are built only here, off the per-span path.
/// </summary>
internal struct DecodeFailure
{
    public DecodeErrorKind Kind;
    public string? Reason;
    public long Offset;

    public readonly bool Failed => Reason is not null;

    /// <summary>Records a failure and returns false, so call sites read <c>return failure.Set(...)</c>.</summary>
    public bool Set(DecodeErrorKind kind, string reason, long offset = -1)
    {
        if (Reason is null)
        {
            Kind = kind;
            Reason = reason;
            Offset = offset;
        }
        return false;
    }

    /// <summary>Copies the wire-level failure a <see cref="ProtoReader"/> recorded (always <see cref="DecodeErrorKind.Malformed"/>).</summary>
    public bool FromReader(scoped ref ProtoReader reader, int spanIndex = -1)
    {
        string reason = reader.ErrorReason ?? "malformed protobuf";
        return Set(DecodeErrorKind.Malformed, spanIndex >= 0 ? $"span {spanIndex}: {reason}" : reason, reader.ErrorOffset);
    }

    public readonly DecodeError ToError(SpanFormat format) =>
        new(format, Kind, Reason ?? "unknown decode failure", Offset);
}
