using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Protobuf;

/// <summary>Reads one protobuf message into <paramref name="output"/>; spans it appends before failing are rolled back by the caller.</summary>
internal delegate bool ProtoMessageReader(ReadOnlySpan<byte> message, SpanBatch output, int startCount, DecodeScratch scratch, ref DecodeFailure failure);

/// <summary>
/// The all-or-nothing frame every protobuf decoder shares (the JSON decoders have <c>JsonDecoding.TryDecode</c>):
/// refuse an empty message, run the reader, and on failure roll the batch back and turn the failure into a
/// <see cref="DecodeError"/>.
/// </summary>
internal static class ProtoDecoding
{
    public static bool TryDecode(SpanFormat format, ReadOnlySpan<byte> message, SpanBatch output, StringTable strings, ProtoMessageReader read, out DecodeError? error)
    {
        if (message.IsEmpty)
        {
            error = new DecodeError(format, DecodeErrorKind.Empty, "empty message", 0);
            return false;
        }
        int startCount = output.Count;
        var failure = new DecodeFailure();
        if (read(message, output, startCount, DecodeScratch.For(strings), ref failure))
        {
            error = null;
            return true;
        }
        output.Truncate(startCount);
        error = failure.ToError(format);
        return false;
    }

    /// <summary>
    /// Reads a sub-message of which only one string field matters (Jaeger <c>Process.service_name</c>, Zipkin
    /// <c>Endpoint.service_name</c>, both field 1), skipping the others.
    /// </summary>
    public static bool TryReadSingleString(scoped ref ProtoReader reader, int fieldNumber, out ReadOnlySpan<byte> value)
    {
        value = default;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok = field == fieldNumber && wireType == WireType.LengthDelimited
                ? reader.TryReadLengthDelimited(out value)
                : reader.TrySkip(field, wireType);
            if (!ok) return false;
        }
        return reader.ErrorReason is null;
    }
}
