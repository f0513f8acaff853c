using System.Text.Json;
using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Json;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Otlp;

/// <summary>
/// Decodes the OTLP/JSON mapping of <c>ExportTraceServiceRequest</c>/<c>TracesData</c>: hex ids, nanosecond times as
/// strings (numbers accepted too), kinds and status codes as numbers (enum names accepted too), lowerCamelCase names
/// (the original snake_case names accepted too, as protobuf-JSON parsers do).
/// </summary>
internal sealed class OtlpJsonDecoder : ISpanDecoder
{
    private readonly StringTable _strings;
    private readonly DecoderOptions _options;

    public OtlpJsonDecoder(StringTable strings, DecoderOptions options)
    {
        _strings = strings;
        _options = options;
    }

    public SpanFormat Format => SpanFormat.OtlpJson;

    public bool TryDecode(ReadOnlySpan<byte> message, SpanBatch output, out DecodeError? error) =>
        JsonDecoding.TryDecode(Format, message, output, _strings, _options, ReadRequest, out error);

    private static bool ReadRequest(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context)
    {
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "an OTLP/JSON message")) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("resourceSpans"u8) || reader.ValueTextEquals("resource_spans"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartArray, "resourceSpans")) return false;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "a resourceSpans element")) return false;
                    if (!ReadResourceSpans(ref reader, ref context)) return false;
                }
            }
            else
            {
                reader.Skip();
            }
        }
        return true;
    }

    private static bool ReadResourceSpans(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context)
    {
        int firstSpan = context.Output.Count;
        int service = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("resource"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!ReadResource(ref reader, ref context, out int found)) return false;
                if (service < 0)
                {
                    service = found;
                    // The resource came after some spans: give them their service now.
                    for (int i = firstSpan; i < context.Output.Count; i++) context.Output[i].Service = service;
                }
            }
            else if (reader.ValueTextEquals("scopeSpans"u8) || reader.ValueTextEquals("scope_spans"u8)
                     || reader.ValueTextEquals("instrumentationLibrarySpans"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartArray, "scopeSpans")) return false;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "a scopeSpans element")) return false;
                    if (!ReadScopeSpans(ref reader, ref context, service < 0 ? StringTable.Unknown : service)) return false;
                }
            }
            else
            {
                reader.Skip();
            }
        }
        return true;
    }

    private static bool ReadResource(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, out int service)
    {
        service = StringTable.Unknown;
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "resource")) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("attributes"u8))
            {
                reader.Skip();
                continue;
            }
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) continue;
            if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartArray, "resource.attributes")) return false;
            bool found = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var attributes = new SpanAttributes();
                if (!ReadKeyValue(ref reader, ref context, ref attributes, out AttributeKey key, out ReadOnlySpan<byte> text)) return false;
                if (!found && key == AttributeKey.ServiceName && !text.IsEmpty)
                {
                    service = context.Scratch.Intern(text);
                    found = true;
                }
            }
        }
        return true;
    }

    private static bool ReadScopeSpans(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, int service)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("spans"u8))
            {
                reader.Skip();
                continue;
            }
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) continue;
            if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartArray, "spans")) return false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (context.SpanIndex >= context.MaxSpans) return context.TooManySpans(ref reader);
                if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, context.SpanIndex, "")) return false;
                if (!ReadSpan(ref reader, ref context, service)) return false;
            }
        }
        return true;
    }

    private static bool ReadSpan(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, int service)
    {
        int index = context.SpanIndex;
        long spanOffset = reader.TokenStartIndex;
        context.Scratch.ResetStrings();
        ReadOnlySpan<byte> traceId = default, spanId = default, parentId = default, name = default;
        ulong startNanos = 0, endNanos = 0;
        SpanKind kind = SpanKind.Unspecified;
        var attributes = new SpanAttributes();

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("traceId"u8) || reader.ValueTextEquals("trace_id"u8))
            {
                if (!ReadString(ref reader, ref context, index, "traceId", out traceId)) return false;
            }
            else if (reader.ValueTextEquals("spanId"u8) || reader.ValueTextEquals("span_id"u8))
            {
                if (!ReadString(ref reader, ref context, index, "spanId", out spanId)) return false;
            }
            else if (reader.ValueTextEquals("parentSpanId"u8) || reader.ValueTextEquals("parent_span_id"u8))
            {
                if (!ReadString(ref reader, ref context, index, "parentSpanId", out parentId)) return false;
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                if (!ReadString(ref reader, ref context, index, "name", out name)) return false;
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                if (!ReadKind(ref reader, ref context, index, out kind)) return false;
            }
            else if (reader.ValueTextEquals("startTimeUnixNano"u8) || reader.ValueTextEquals("start_time_unix_nano"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null && !JsonValues.TryUInt64(ref reader, context.Scratch, out startNanos))
                    return context.WrongType(ref reader, $"span {index}: startTimeUnixNano", "an unsigned integer (string or number)");
            }
            else if (reader.ValueTextEquals("endTimeUnixNano"u8) || reader.ValueTextEquals("end_time_unix_nano"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null && !JsonValues.TryUInt64(ref reader, context.Scratch, out endNanos))
                    return context.WrongType(ref reader, $"span {index}: endTimeUnixNano", "an unsigned integer (string or number)");
            }
            else if (reader.ValueTextEquals("attributes"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartArray, index, "attributes")) return false;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!ReadKeyValue(ref reader, ref context, ref attributes, out _, out _)) return false;
                }
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!ReadStatus(ref reader, ref context, index, out attributes.Status)) return false;
            }
            else
            {
                reader.Skip();
            }
        }

        if (!SpanIds.TryTraceIdHex(traceId, allowShort: false, index, spanOffset, out TraceId trace, ref context.Failure)) return false;
        if (!SpanIds.TrySpanIdHex(spanId, allowShort: false, index, spanOffset, out SpanId id, ref context.Failure)) return false;
        if (!SpanIds.TryParentIdHex(parentId, allowShort: false, index, spanOffset, out SpanId parent, ref context.Failure)) return false;
        if (startNanos > long.MaxValue || endNanos > long.MaxValue)
            return context.Failure.Set(DecodeErrorKind.InvalidField, $"span {index}: timestamp is after the year 2262", spanOffset);

        ref Span s = ref context.Output.Add();
        s.TraceId = trace;
        s.SpanId = id;
        s.ParentSpanId = parent;
        s.StartUnixNanos = (long)startNanos;
        SpanIds.SetDuration(ref s, (long)endNanos - (long)startNanos);
        s.Service = service;
        s.Operation = context.Scratch.Intern(name);
        s.Kind = kind;
        s.Flags |= attributes.ErrorFlags(honorErrorTag: false) | SpanFlags.SourceOtlp;
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

    private static bool ReadKind(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, int index, out SpanKind kind)
    {
        kind = SpanKind.Unspecified;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.Number:
                if (reader.TryGetInt32(out int number))
                {
                    kind = number is >= 0 and <= 5 ? (SpanKind)number : SpanKind.Unspecified;
                    return true;
                }
                break;
            case JsonTokenType.String:
                ReadOnlySpan<byte> name = JsonValues.Utf8(ref reader, context.Scratch);
                if (name.SequenceEqual("SPAN_KIND_UNSPECIFIED"u8)) return true;
                if (name.SequenceEqual("SPAN_KIND_INTERNAL"u8)) kind = SpanKind.Internal;
                else if (name.SequenceEqual("SPAN_KIND_SERVER"u8)) kind = SpanKind.Server;
                else if (name.SequenceEqual("SPAN_KIND_CLIENT"u8)) kind = SpanKind.Client;
                else if (name.SequenceEqual("SPAN_KIND_PRODUCER"u8)) kind = SpanKind.Producer;
                else if (name.SequenceEqual("SPAN_KIND_CONSUMER"u8)) kind = SpanKind.Consumer;
                else break;
                return true;
        }
        return context.WrongType(ref reader, $"span {index}: kind", "a number 0-5 or a SPAN_KIND_* name");
    }

    private static bool ReadStatus(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, int index, out int code)
    {
        code = 0;
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, index, "status")) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("code"u8))
            {
                reader.Skip();
                continue;
            }
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int number))
            {
                code = number is 1 or 2 ? number : 0;
            }
            else if (reader.TokenType == JsonTokenType.String)
            {
                ReadOnlySpan<byte> name = JsonValues.Utf8(ref reader, context.Scratch);
                if (name.SequenceEqual("STATUS_CODE_ERROR"u8)) code = 2;
                else if (name.SequenceEqual("STATUS_CODE_OK"u8)) code = 1;
                else if (!name.SequenceEqual("STATUS_CODE_UNSET"u8))
                    return context.WrongType(ref reader, $"span {index}: status.code", "a number or a STATUS_CODE_* name");
            }
            else if (reader.TokenType != JsonTokenType.Null)
            {
                return context.WrongType(ref reader, $"span {index}: status.code", "a number or a STATUS_CODE_* name");
            }
        }
        return true;
    }

    /// <summary>
    /// Reads one <c>{"key": ..., "value": {"stringValue"|"intValue"|"boolValue"|"doubleValue": ...}}</c>, in either
    /// property order, and records it in <paramref name="attributes"/>. Arrays, kvlists and bytes are skipped.
    /// </summary>
    private static bool ReadKeyValue(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, ref SpanAttributes attributes,
        out AttributeKey key, out ReadOnlySpan<byte> text)
    {
        key = AttributeKey.Other;
        text = default;
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "an attribute")) return false;
        ReadOnlySpan<byte> keyText = default, valueText = default;
        bool hasKey = false, hasText = false, hasInt = false, hasBool = false, boolean = false;
        long number = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("key"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) return context.WrongType(ref reader, "attribute key", "a string");
                keyText = JsonValues.Utf8(ref reader, context.Scratch);
                hasKey = true;
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "attribute value")) return false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("stringValue"u8) || reader.ValueTextEquals("string_value"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.String) return context.WrongType(ref reader, "stringValue", "a string");
                        valueText = JsonValues.Utf8(ref reader, context.Scratch);
                        hasText = true;
                    }
                    else if (reader.ValueTextEquals("intValue"u8) || reader.ValueTextEquals("int_value"u8))
                    {
                        reader.Read();
                        if (!JsonValues.TryInt64(ref reader, context.Scratch, out number))
                            return context.WrongType(ref reader, "intValue", "an integer (string or number)");
                        hasInt = true;
                    }
                    else if (reader.ValueTextEquals("boolValue"u8) || reader.ValueTextEquals("bool_value"u8))
                    {
                        reader.Read();
                        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                            return context.WrongType(ref reader, "boolValue", "a boolean");
                        boolean = reader.TokenType == JsonTokenType.True;
                        hasBool = true;
                    }
                    else
                    {
                        reader.Skip(); // doubleValue, arrayValue, kvlistValue, bytesValue: nothing the engine reads
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }
        text = valueText;
        if (!hasKey) return true;
        key = AttributeKeys.Classify(keyText);
        if (key == AttributeKey.Other) return true;
        if (hasText) attributes.SetString(key, valueText);
        else if (hasInt) attributes.SetInt(key, number);
        else if (hasBool) attributes.SetBool(key, boolean);
        return true;
    }
}
