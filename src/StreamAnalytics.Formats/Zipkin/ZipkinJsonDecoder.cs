using System.Text.Json;
using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Json;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Zipkin;

/// <summary>
/// Decodes Zipkin v2 JSON: a list of spans (a single span object is accepted too). Ids are lower-hex (16 or 32
/// characters for the trace, 16 for spans; shorter ids whose leading zeros were trimmed are accepted, as Zipkin does),
/// <c>timestamp</c>/<c>duration</c> are microseconds, tags are a string map.
/// </summary>
internal sealed class ZipkinJsonDecoder : ISpanDecoder
{
    private const ulong MaxMicros = long.MaxValue / 1000;

    private readonly StringTable _strings;
    private readonly DecoderOptions _options;

    public ZipkinJsonDecoder(StringTable strings, DecoderOptions options)
    {
        _strings = strings;
        _options = options;
    }

    public SpanFormat Format => SpanFormat.ZipkinJson;

    public bool TryDecode(ReadOnlySpan<byte> message, SpanBatch output, out DecodeError? error) =>
        JsonDecoding.TryDecode(Format, message, output, _strings, _options, ReadList, out error);

    private static bool ReadList(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context)
    {
        if (reader.TokenType == JsonTokenType.StartObject) return ReadSpan(ref reader, ref context);
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartArray, "a Zipkin v2 message (a list of spans)")) return false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (context.SpanIndex >= context.MaxSpans) return context.TooManySpans(ref reader);
            if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, context.SpanIndex, "")) return false;
            if (!ReadSpan(ref reader, ref context)) return false;
        }
        return true;
    }

    private static bool ReadSpan(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context)
    {
        int index = context.SpanIndex;
        long spanOffset = reader.TokenStartIndex;
        context.Scratch.ResetStrings();
        ReadOnlySpan<byte> traceId = default, spanId = default, parentId = default, name = default, service = default;
        ulong timestampMicros = 0, durationMicros = 0;
        SpanKind kind = SpanKind.Unspecified;
        bool shared = false;
        var attributes = new SpanAttributes();

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("traceId"u8))
            {
                if (!ReadString(ref reader, ref context, index, "traceId", out traceId)) return false;
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                if (!ReadString(ref reader, ref context, index, "id", out spanId)) return false;
            }
            else if (reader.ValueTextEquals("parentId"u8))
            {
                if (!ReadString(ref reader, ref context, index, "parentId", out parentId)) return false;
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                if (!ReadString(ref reader, ref context, index, "name", out name)) return false;
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                if (!ReadString(ref reader, ref context, index, "kind", out ReadOnlySpan<byte> kindText)) return false;
                if (!ZipkinKinds.TryFromJson(kindText, out kind))
                    return context.Failure.Set(DecodeErrorKind.InvalidField,
                        $"span {index}: kind \"{SpanIds.Printable(kindText)}\" is not CLIENT, SERVER, PRODUCER or CONSUMER", reader.TokenStartIndex);
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null && !JsonValues.TryUInt64(ref reader, context.Scratch, out timestampMicros))
                    return context.WrongType(ref reader, $"span {index}: timestamp", "an unsigned integer of microseconds");
            }
            else if (reader.ValueTextEquals("duration"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null && !JsonValues.TryUInt64(ref reader, context.Scratch, out durationMicros))
                    return context.WrongType(ref reader, $"span {index}: duration", "an unsigned integer of microseconds");
            }
            else if (reader.ValueTextEquals("localEndpoint"u8))
            {
                reader.Read();
                if (!ReadEndpointService(ref reader, ref context, index, out service)) return false;
            }
            else if (reader.ValueTextEquals("remoteEndpoint"u8))
            {
                reader.Read();
                // Only a service name makes a peer; an endpoint with just an IP gives none.
                if (!ReadEndpointService(ref reader, ref context, index, out attributes.RemoteService)) return false;
            }
            else if (reader.ValueTextEquals("tags"u8))
            {
                reader.Read();
                if (!ReadTags(ref reader, ref context, index, ref attributes)) return false;
            }
            else if (reader.ValueTextEquals("shared"u8))
            {
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                    return context.WrongType(ref reader, $"span {index}: shared", "a boolean");
                shared = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Skip(); // annotations, debug
            }
        }

        if (!SpanIds.TryTraceIdHex(traceId, allowShort: true, index, spanOffset, out TraceId trace, ref context.Failure)) return false;
        if (!SpanIds.TrySpanIdHex(spanId, allowShort: true, index, spanOffset, out SpanId id, ref context.Failure)) return false;
        if (!SpanIds.TryParentIdHex(parentId, allowShort: true, index, spanOffset, out SpanId parent, ref context.Failure)) return false;
        if (timestampMicros > MaxMicros || durationMicros > MaxMicros)
            return context.Failure.Set(DecodeErrorKind.InvalidField, $"span {index}: timestamp or duration is after the year 2262", spanOffset);

        ref Span s = ref context.Output.Add();
        s.TraceId = trace;
        s.SpanId = id;
        s.ParentSpanId = parent;
        s.StartUnixNanos = (long)timestampMicros * 1000;
        s.DurationNanos = (long)durationMicros * 1000;
        s.Service = context.Scratch.Intern(service);
        s.Operation = context.Scratch.Intern(name);
        s.Kind = kind;
        if (shared) s.Flags |= SpanFlags.Shared;
        s.Flags |= attributes.ZipkinErrorFlags() | SpanFlags.SourceZipkin;
        attributes.ApplyPeer(ref s, context.Scratch);
        return true;
    }

    private static bool ReadString(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, int index, string what, out ReadOnlySpan<byte> value)
    {
        reader.Read();
        value = default;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.String) return context.WrongType(ref reader, $"span {index}: {what}", "a string");
        value = JsonValues.Utf8(ref reader, context.Scratch);
        return true;
    }

    private static bool ReadEndpointService(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, int index, out ReadOnlySpan<byte> service)
    {
        service = default;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, index, "endpoint")) return false;
        ReadOnlySpan<byte> found = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("serviceName"u8))
            {
                if (!ReadString(ref reader, ref context, index, "serviceName", out found)) return false;
            }
            else
            {
                reader.Skip();
            }
        }
        service = found;
        return true;
    }

    private static bool ReadTags(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, int index, ref SpanAttributes attributes)
    {
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, index, "tags")) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            AttributeKey which = reader.ValueIsEscaped
                ? AttributeKeys.Classify(JsonValues.Utf8(ref reader, context.Scratch))
                : AttributeKeys.Classify(reader.ValueSpan);
            reader.Read();
            // Zipkin has a kind field of its own, so a span.kind tag is not read.
            if (which is AttributeKey.Other or AttributeKey.SpanKind)
            {
                reader.Skip();
                continue;
            }
            // Tag values are strings in Zipkin v2; booleans and numbers from lax producers are taken at face value.
            switch (reader.TokenType)
            {
                case JsonTokenType.String: attributes.SetString(which, JsonValues.Utf8(ref reader, context.Scratch)); break;
                case JsonTokenType.True: attributes.SetBool(which, true); break;
                case JsonTokenType.False: attributes.SetBool(which, false); break;
                case JsonTokenType.Number when reader.TryGetInt64(out long number): attributes.SetInt(which, number); break;
                default: reader.Skip(); break;
            }
        }
        return true;
    }
}
