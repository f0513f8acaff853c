using System.Text.Json;
using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Json;

/// <summary>
/// State of one JSON decode, passed by reference through the readers of one decoder: where output goes, the span
/// count, the limits and the first failure.
/// </summary>
internal struct JsonDecodeContext
{
    public SpanBatch Output;
    public int StartCount;
    public DecodeScratch Scratch;
    public int MaxSpans;
    public DecodeFailure Failure;

    public readonly int SpanIndex => Output.Count - StartCount;

    /// <summary>Fails with <see cref="DecodeErrorKind.InvalidField"/> naming the property and what it held.</summary>
    public bool WrongType(scoped ref Utf8JsonReader reader, string what, string expected) =>
        Failure.Set(DecodeErrorKind.InvalidField,
            $"{what} must be {expected}, not {JsonValues.Describe(reader.TokenType)}", reader.TokenStartIndex);

    public bool TooManySpans(scoped ref Utf8JsonReader reader) =>
        Failure.Set(DecodeErrorKind.LimitExceeded, SpanIds.TooManySpans(MaxSpans), reader.TokenStartIndex);
}

/// <summary>
/// The try/catch every JSON decoder shares. <see cref="Utf8JsonReader"/> reports malformed JSON and exceeded depth
/// only by throwing <see cref="JsonException"/>; the decoders turn that into a <see cref="DecodeError"/> here, once per
/// bad message, so nothing escapes <see cref="ISpanDecoder.TryDecode"/>.
/// </summary>
internal static class JsonDecoding
{
    public delegate bool Body(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context);

    public static bool TryDecode(SpanFormat format, ReadOnlySpan<byte> message, SpanBatch output, StringTable strings,
        DecoderOptions options, Body body, out DecodeError? error)
    {
        int startCount = output.Count;
        if (IsBlank(message))
        {
            error = new DecodeError(format, DecodeErrorKind.Empty, "empty message", 0);
            return false;
        }
        var context = new JsonDecodeContext
        {
            Output = output,
            StartCount = startCount,
            Scratch = DecodeScratch.For(strings),
            MaxSpans = options.MaxSpansPerMessage,
        };
        var reader = new Utf8JsonReader(message, new JsonReaderOptions
        {
            MaxDepth = options.MaxDepth,
            CommentHandling = JsonCommentHandling.Skip,
        });
        bool ok;
        try
        {
            ok = reader.Read() && body(ref reader, ref context);
            // Reading past the document makes the reader reject trailing garbage ("{...} x").
            if (ok && reader.Read())
                ok = context.Failure.Set(DecodeErrorKind.Malformed, "unexpected data after the JSON document", reader.TokenStartIndex);
        }
        catch (JsonException e)
        {
            bool tooDeep = reader.CurrentDepth >= options.MaxDepth - 1 || e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);
            context.Failure.Set(
                tooDeep ? DecodeErrorKind.LimitExceeded : DecodeErrorKind.Malformed,
                tooDeep ? $"JSON nested deeper than {options.MaxDepth}; raise decode.max.depth to accept it" : "malformed JSON: " + FirstSentence(e.Message),
                reader.BytesConsumed);
            ok = false;
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader throws this for text it cannot transcode (invalid UTF-8 inside an escaped string).
            context.Failure.Set(DecodeErrorKind.Malformed, "malformed JSON: " + FirstSentence(e.Message), reader.BytesConsumed);
            ok = false;
        }
        if (ok)
        {
            error = null;
            return true;
        }
        output.Truncate(startCount);
        error = context.Failure.Failed
            ? context.Failure.ToError(format)
            : new DecodeError(format, DecodeErrorKind.Malformed, "malformed JSON: the document ended early", reader.BytesConsumed);
        return false;
    }

    private static bool IsBlank(ReadOnlySpan<byte> message)
    {
        foreach (byte b in message)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        }
        return true;
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>True when the reader is on <paramref name="start"/>; otherwise records an InvalidField failure naming <paramref name="what"/>.</summary>
    public static bool ExpectStart(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, JsonTokenType start, string what) =>
        reader.TokenType == start || context.WrongType(ref reader, what, start == JsonTokenType.StartArray ? "an array" : "an object");

    /// <summary>
    /// As <see cref="ExpectStart(ref Utf8JsonReader, ref JsonDecodeContext, JsonTokenType, string)"/> for a property of span
    /// <paramref name="spanIndex"/>; the message naming it is only built on failure, so the per-span path allocates nothing.
    /// </summary>
    public static bool ExpectStart(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, JsonTokenType start, int spanIndex, string property) =>
        reader.TokenType == start || context.WrongType(ref reader, property.Length == 0 ? $"span {spanIndex}" : $"span {spanIndex}: {property}",
            start == JsonTokenType.StartArray ? "an array" : "an object");
}
