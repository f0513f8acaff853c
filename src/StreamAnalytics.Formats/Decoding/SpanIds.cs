using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Decoding;

/// <summary>
/// The id rules every format shares: a trace id of 16 bytes (8 where the format allows 64-bit ids) that is not all zero,
/// a span id of 8 bytes that is not all zero, and a parent that is absent, empty or all zero for a root.
/// </summary>
internal static class SpanIds
{
    public static bool TryTraceId(ReadOnlySpan<byte> bytes, bool allow64Bit, int spanIndex, long offset, out TraceId id, ref DecodeFailure failure)
    {
        if (bytes.Length == 16 || (allow64Bit && bytes.Length == 8))
        {
            TraceId.TryRead(bytes, out id);
            if (!id.IsEmpty) return true;
            return failure.Set(DecodeErrorKind.InvalidId, $"span {spanIndex}: trace id is all zero", offset);
        }
        id = default;
        return failure.Set(DecodeErrorKind.InvalidId, bytes.IsEmpty
            ? $"span {spanIndex}: trace id is missing"
            : $"span {spanIndex}: trace id has {bytes.Length} bytes, expected {(allow64Bit ? "8 or 16" : "16")}", offset);
    }

    public static bool TrySpanId(ReadOnlySpan<byte> bytes, int spanIndex, long offset, out SpanId id, ref DecodeFailure failure)
    {
        if (SpanId.TryRead(bytes, out id))
        {
            if (!id.IsEmpty) return true;
            return failure.Set(DecodeErrorKind.InvalidId, $"span {spanIndex}: span id is all zero", offset);
        }
        return failure.Set(DecodeErrorKind.InvalidId, bytes.IsEmpty
            ? $"span {spanIndex}: span id is missing"
            : $"span {spanIndex}: span id has {bytes.Length} bytes, expected 8", offset);
    }

    /// <summary>Empty or all zero = root (<see cref="SpanId.Empty"/>).</summary>
    public static bool TryParentId(ReadOnlySpan<byte> bytes, int spanIndex, long offset, out SpanId id, ref DecodeFailure failure)
    {
        if (bytes.IsEmpty)
        {
            id = SpanId.Empty;
            return true;
        }
        if (SpanId.TryRead(bytes, out id)) return true;
        return failure.Set(DecodeErrorKind.InvalidId, $"span {spanIndex}: parent span id has {bytes.Length} bytes, expected 8 or none", offset);
    }

    public static bool TryTraceIdHex(ReadOnlySpan<byte> hex, bool allowShort, int spanIndex, long offset, out TraceId id, ref DecodeFailure failure)
    {
        // OTLP JSON requires exactly 32 characters; Zipkin accepts 16 or 32 and, as Zipkin itself does, shorter ids whose
        // leading zeros were trimmed.
        bool lengthOk = allowShort ? hex.Length is > 0 and <= 32 : hex.Length == 32;
        if (!lengthOk)
        {
            id = default;
            return failure.Set(DecodeErrorKind.InvalidId, hex.IsEmpty
                ? $"span {spanIndex}: trace id is missing"
                : $"span {spanIndex}: trace id has {hex.Length} hex characters, expected {(allowShort ? "16 or 32" : "32")}", offset);
        }
        if (!TraceId.TryParseHex(hex, out id))
            return failure.Set(DecodeErrorKind.InvalidId, $"span {spanIndex}: trace id is not hexadecimal", offset);
        if (id.IsEmpty)
            return failure.Set(DecodeErrorKind.InvalidId, $"span {spanIndex}: trace id is all zero", offset);
        return true;
    }

    public static bool TrySpanIdHex(ReadOnlySpan<byte> hex, bool allowShort, int spanIndex, long offset, out SpanId id, ref DecodeFailure failure)
    {
        bool lengthOk = allowShort ? hex.Length is > 0 and <= 16 : hex.Length == 16;
        if (!lengthOk)
        {
            id = default;
            return failure.Set(DecodeErrorKind.InvalidId, hex.IsEmpty
                ? $"span {spanIndex}: span id is missing"
                : $"span {spanIndex}: span id has {hex.Length} hex characters, expected 16", offset);
        }
        if (!SpanId.TryParseHex(hex, out id))
            return failure.Set(DecodeErrorKind.InvalidId, $"span {spanIndex}: span id is not hexadecimal", offset);
        if (id.IsEmpty)
            return failure.Set(DecodeErrorKind.InvalidId, $"span {spanIndex}: span id is all zero", offset);
        return true;
    }

    /// <summary>Empty or all zero = root.</summary>
    public static bool TryParentIdHex(ReadOnlySpan<byte> hex, bool allowShort, int spanIndex, long offset, out SpanId id, ref DecodeFailure failure)
    {
        if (hex.IsEmpty)
        {
            id = SpanId.Empty;
            return true;
        }
        bool lengthOk = allowShort ? hex.Length <= 16 : hex.Length == 16;
        if (lengthOk && SpanId.TryParseHex(hex, out id)) return true;
        id = default;
        return failure.Set(DecodeErrorKind.InvalidId, $"span {spanIndex}: parent span id \"{Printable(hex)}\" is not 16 hex characters", offset);
    }

    /// <summary>At most 40 characters of possibly hostile bytes for an error message.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = System.Text.Encoding.UTF8.GetString(bytes.Length > 40 ? bytes[..40] : bytes);
        return bytes.Length > 40 ? text + "…" : text;
    }

    /// <summary>Clamps a negative duration to zero and flags it (the contract of <see cref="Span.DurationNanos"/>).</summary>
    public static void SetDuration(ref Span span, long durationNanos)
    {
        if (durationNanos < 0)
        {
            span.DurationNanos = 0;
            span.Flags |= SpanFlags.NegativeDuration;
        }
        else
        {
            span.DurationNanos = durationNanos;
        }
    }

    public static string TooManySpans(int max) =>
        $"message has more than {max} spans; raise decode.max.spans.per.message to accept it";
}
