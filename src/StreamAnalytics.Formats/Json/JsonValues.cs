using System.Buffers.Text;
using System.Text.Json;
using StreamAnalytics.Formats.Decoding;

namespace StreamAnalytics.Formats.Json;

/// <summary>
/// Value access shared by the JSON decoders: UTF-8 text without building strings, and the lenient number forms the
/// ecosystems use (protobuf-JSON writes 64-bit integers as strings).
/// </summary>
internal static class JsonValues
{
    /// <summary>
    /// The current string token as UTF-8. A slice of the message unless the string had escapes, in which case it is
    /// unescaped into the thread's scratch (valid until the next span).
    /// </summary>
    public static ReadOnlySpan<byte> Utf8(scoped ref Utf8JsonReader reader, DecodeScratch scratch)
    {
        if (!reader.ValueIsEscaped) return reader.ValueSpan;
        Span<byte> destination = scratch.RentString(reader.ValueSpan.Length);
        int written = reader.CopyString(destination);
        return destination[..written];
    }

    /// <summary>A JSON number, or a string holding a decimal integer (protobuf-JSON's int64/fixed64 form).</summary>
    public static bool TryInt64(scoped ref Utf8JsonReader reader, DecodeScratch scratch, out long value)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.TryGetInt64(out value);
        if (reader.TokenType == JsonTokenType.String)
        {
            ReadOnlySpan<byte> text = Utf8(ref reader, scratch);
            return Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length;
        }
        value = 0;
        return false;
    }

    /// <inheritdoc cref="TryInt64"/>
    public static bool TryUInt64(scoped ref Utf8JsonReader reader, DecodeScratch scratch, out ulong value)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.TryGetUInt64(out value);
        if (reader.TokenType == JsonTokenType.String)
        {
            ReadOnlySpan<byte> text = Utf8(ref reader, scratch);
            return Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length;
        }
        value = 0;
        return false;
    }

    /// <summary>Reads past a property name to its value; false if the input ends.</summary>
    public static bool ReadValue(scoped ref Utf8JsonReader reader) => reader.Read();

    /// <summary>A readable name for a token type in error messages.</summary>
    public static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };
}
