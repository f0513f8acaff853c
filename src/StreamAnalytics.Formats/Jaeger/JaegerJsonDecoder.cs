using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text.Json;
using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Json;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Jaeger;

/// <summary>
/// Decodes one <c>jaeger.api_v2.Span</c> in the protobuf-JSON mapping the Jaeger collector writes to Kafka with
/// <c>--kafka.producer.encoding=json</c>: base64 ids, RFC 3339 <c>startTime</c>, <c>"0.000100s"</c> durations, tags as
/// <c>{"key","vType","vStr"|"vBool"|"vInt64"...}</c> with default values omitted, references with <c>refType</c> omitted
/// for CHILD_OF. Also accepted: hex ids, snake_case names, <c>"100000ns"</c>/<c>"100us"</c>/<c>"100ms"</c> durations.
/// </summary>
internal sealed class JaegerJsonDecoder : ISpanDecoder
{
    /// <summary>
    /// References seen before the span's <c>traceId</c> are held here until it is known (protobuf-JSON writes traceId
    /// first, so in practice none are). Beyond this many such references the rest are ignored, keeping memory fixed.
    /// </summary>
    private const int MaxPendingReferences = 16;

    private readonly StringTable _strings;
    private readonly DecoderOptions _options;

    public JaegerJsonDecoder(StringTable strings, DecoderOptions options)
    {
        _strings = strings;
        _options = options;
    }

    public SpanFormat Format => SpanFormat.JaegerJson;

    public bool TryDecode(ReadOnlySpan<byte> message, SpanBatch output, out DecodeError? error) =>
        JsonDecoding.TryDecode(Format, message, output, _strings, _options, ReadSpan, out error);

    private static bool ReadSpan(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context)
    {
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "a Jaeger span")) return false;
        long spanOffset = reader.TokenStartIndex;
        ReadOnlySpan<byte> operation = default, service = default;
        TraceId trace = default;
        SpanId id = default;
        bool hasTrace = false, hasSpan = false;
        long startNanos = 0, durationNanos = 0;
        var attributes = new SpanAttributes();
        var references = new References();

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("traceId"u8) || reader.ValueTextEquals("trace_id"u8))
            {
                reader.Read();
                if (!ReadTraceId(ref reader, ref context, "traceId", out trace)) return false;
                hasTrace = true;
            }
            else if (reader.ValueTextEquals("spanId"u8) || reader.ValueTextEquals("span_id"u8))
            {
                reader.Read();
                if (!ReadSpanId(ref reader, ref context, "spanId", out id)) return false;
                hasSpan = true;
            }
            else if (reader.ValueTextEquals("operationName"u8) || reader.ValueTextEquals("operation_name"u8))
            {
                reader.Read();
                if (!ReadString(ref reader, ref context, "operationName", out operation)) return false;
            }
            else if (reader.ValueTextEquals("references"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartArray, "span 0: references")) return false;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!ReadReference(ref reader, ref context, out Reference reference)) return false;
                    references.Add(reference, hasTrace ? trace : default, hasTrace);
                }
            }
            else if (reader.ValueTextEquals("startTime"u8) || reader.ValueTextEquals("start_time"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String
                    || !JsonTime.TryParseTimestamp(JsonValues.Utf8(ref reader, context.Scratch), out startNanos))
                    return context.WrongType(ref reader, "span 0: startTime", "an RFC 3339 timestamp string");
            }
            else if (reader.ValueTextEquals("duration"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String
                    || !JsonTime.TryParseDuration(JsonValues.Utf8(ref reader, context.Scratch), out durationNanos))
                    return context.WrongType(ref reader, "span 0: duration", "a duration string such as \"0.000100s\" or \"100000ns\"");
            }
            else if (reader.ValueTextEquals("tags"u8))
            {
                reader.Read();
                if (!ReadTags(ref reader, ref context, ref attributes)) return false;
            }
            else if (reader.ValueTextEquals("process"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!ReadProcess(ref reader, ref context, out service)) return false;
            }
            else
            {
                reader.Skip(); // flags, logs, processId, warnings
            }
        }

        if (!hasTrace) return context.Failure.Set(DecodeErrorKind.InvalidId, "span 0: trace id is missing", spanOffset);
        if (!hasSpan) return context.Failure.Set(DecodeErrorKind.InvalidId, "span 0: span id is missing", spanOffset);

        ref Span s = ref context.Output.Add();
        s.TraceId = trace;
        s.SpanId = id;
        s.ParentSpanId = references.Parent(trace, out bool followsFrom);
        if (followsFrom) s.Flags |= SpanFlags.FollowsFrom;
        s.StartUnixNanos = startNanos;
        SpanIds.SetDuration(ref s, durationNanos);
        s.Service = context.Scratch.Intern(service);
        s.Operation = context.Scratch.Intern(operation);
        s.Kind = attributes.KindTag;
        s.Flags |= attributes.ErrorFlags(honorErrorTag: true) | SpanFlags.SourceJaeger;
        attributes.ApplyPeer(ref s, context.Scratch);
        return true;
    }

    private static bool ReadString(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, string what, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.String) return context.WrongType(ref reader, "span 0: " + what, "a string");
        value = JsonValues.Utf8(ref reader, context.Scratch);
        return true;
    }

    private static bool ReadTraceId(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, string what, out TraceId id)
    {
        id = default;
        if (reader.TokenType != JsonTokenType.String) return context.WrongType(ref reader, "span 0: " + what, "a base64 string");
        Span<byte> bytes = stackalloc byte[16];
        int length = DecodeId(JsonValues.Utf8(ref reader, context.Scratch), bytes);
        return SpanIds.TryTraceId(length < 0 ? default : bytes[..length], allow64Bit: true, 0, reader.TokenStartIndex, out id, ref context.Failure);
    }

    private static bool ReadSpanId(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, string what, out SpanId id)
    {
        id = default;
        if (reader.TokenType != JsonTokenType.String) return context.WrongType(ref reader, "span 0: " + what, "a base64 string");
        Span<byte> bytes = stackalloc byte[16];
        int length = DecodeId(JsonValues.Utf8(ref reader, context.Scratch), bytes);
        return SpanIds.TrySpanId(length < 0 ? default : bytes[..length], 0, reader.TokenStartIndex, out id, ref context.Failure);
    }

    /// <summary>
    /// Decodes an id into <paramref name="destination"/> and returns its byte length (-1 if undecodable). protobuf-JSON
    /// writes bytes as base64 (24 characters for 16 bytes, 12 for 8); 32 or 16 characters can only be hex, since base64
    /// of those lengths is never 8 or 16 bytes.
    /// </summary>
    internal static int DecodeId(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        if (text.Length is 32 or 16)
        {
            for (int i = 0; i < text.Length / 2; i++)
            {
                int high = HexDigit(text[2 * i]), low = HexDigit(text[2 * i + 1]);
                if ((high | low) < 0) return -1;
                destination[i] = (byte)((high << 4) | low);
            }
            return text.Length / 2;
        }
        if (text.Length > 24) return -1;
        // Accept unpadded base64 too by restoring the padding.
        Span<byte> padded = stackalloc byte[24];
        text.CopyTo(padded);
        int length = text.Length;
        while (length % 4 != 0) padded[length++] = (byte)'=';
        OperationStatus status = Base64.DecodeFromUtf8(padded[..length], destination, out _, out int written);
        return status == OperationStatus.Done ? written : -1;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool ReadReference(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, out Reference reference)
    {
        reference = default;
        Span<byte> bytes = stackalloc byte[16];
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "span 0: a reference")) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("traceId"u8) || reader.ValueTextEquals("trace_id"u8))
            {
                reader.Read();
                if (!ReadTraceId(ref reader, ref context, "reference traceId", out reference.Trace)) return false;
                reference.HasTrace = true;
            }
            else if (reader.ValueTextEquals("spanId"u8) || reader.ValueTextEquals("span_id"u8))
            {
                reader.Read();
                // Unlike the span's own id, an all-zero reference is tolerated: it is simply not a parent.
                int length = reader.TokenType == JsonTokenType.String ? DecodeId(JsonValues.Utf8(ref reader, context.Scratch), bytes) : -1;
                if (length != 8 || !SpanId.TryRead(bytes[..8], out reference.Span))
                    return context.Failure.Set(DecodeErrorKind.InvalidId, "span 0: reference spanId is not an 8-byte id", reader.TokenStartIndex);
            }
            else if (reader.ValueTextEquals("refType"u8) || reader.ValueTextEquals("ref_type"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                    reference.FollowsFrom = reader.ValueTextEquals("FOLLOWS_FROM"u8);
                else if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int type))
                    reference.FollowsFrom = type == 1;
                else if (reader.TokenType != JsonTokenType.Null)
                    return context.WrongType(ref reader, "span 0: refType", "CHILD_OF or FOLLOWS_FROM");
            }
            else
            {
                reader.Skip();
            }
        }
        return true;
    }

    private static bool ReadProcess(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, out ReadOnlySpan<byte> service)
    {
        service = default;
        ReadOnlySpan<byte> found = default;
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "span 0: process")) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("serviceName"u8) || reader.ValueTextEquals("service_name"u8))
            {
                reader.Read();
                if (!ReadString(ref reader, ref context, "process.serviceName", out found)) return false;
            }
            else
            {
                reader.Skip();
            }
        }
        service = found;
        return true;
    }

    private static bool ReadTags(scoped ref Utf8JsonReader reader, scoped ref JsonDecodeContext context, ref SpanAttributes attributes)
    {
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartArray, "span 0: tags")) return false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!JsonDecoding.ExpectStart(ref reader, ref context, JsonTokenType.StartObject, "span 0: a tag")) return false;
            ReadOnlySpan<byte> key = default, text = default;
            int valueType = -1; // absent: infer from which value field is present
            bool hasText = false, hasBool = false, hasInt = false, boolean = false;
            long number = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("key"u8))
                {
                    reader.Read();
                    if (!ReadString(ref reader, ref context, "tag key", out key)) return false;
                }
                else if (reader.ValueTextEquals("vType"u8) || reader.ValueTextEquals("v_type"u8))
                {
                    reader.Read();
                    valueType = ReadValueType(ref reader);
                }
                else if (reader.ValueTextEquals("vStr"u8) || reader.ValueTextEquals("v_str"u8))
                {
                    reader.Read();
                    if (!ReadString(ref reader, ref context, "tag vStr", out text)) return false;
                    hasText = true;
                }
                else if (reader.ValueTextEquals("vBool"u8) || reader.ValueTextEquals("v_bool"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                        return context.WrongType(ref reader, "span 0: tag vBool", "a boolean");
                    boolean = reader.TokenType == JsonTokenType.True;
                    hasBool = true;
                }
                else if (reader.ValueTextEquals("vInt64"u8) || reader.ValueTextEquals("v_int64"u8))
                {
                    reader.Read();
                    if (!JsonValues.TryInt64(ref reader, context.Scratch, out number))
                        return context.WrongType(ref reader, "span 0: tag vInt64", "an integer (string or number)");
                    hasInt = true;
                }
                else
                {
                    reader.Skip(); // vFloat64, vBinary
                }
            }

            AttributeKey which = AttributeKeys.Classify(key);
            if (which == AttributeKey.Other) continue;
            if (valueType < 0) valueType = hasBool ? 1 : hasInt ? 2 : 0;
            switch (valueType)
            {
                case 0 when hasText || !hasBool: attributes.SetString(which, text); break;
                case 1: attributes.SetBool(which, boolean); break;
                case 2: attributes.SetInt(which, number); break;
            }
        }
        return true;
    }

    /// <summary>STRING = 0, BOOL = 1, INT64 = 2, FLOAT64 = 3, BINARY = 4, as a name or a number.</summary>
    private static int ReadValueType(scoped ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int number)) return number;
        if (reader.TokenType != JsonTokenType.String) return -1;
        if (reader.ValueTextEquals("STRING"u8)) return 0;
        if (reader.ValueTextEquals("BOOL"u8)) return 1;
        if (reader.ValueTextEquals("INT64"u8)) return 2;
        if (reader.ValueTextEquals("FLOAT64"u8)) return 3;
        return 4;
    }

    private struct Reference
    {
        public TraceId Trace;
        public SpanId Span;
        public bool HasTrace;
        public bool FollowsFrom;
    }

    [InlineArray(MaxPendingReferences)]
    private struct PendingReferences
    {
        private Reference _first;
    }

    /// <summary>
    /// Picks the parent: the first CHILD_OF reference in the span's trace, else the first reference of any type in it.
    /// References are judged on arrival when the trace id is already known, else held (up to
    /// <see cref="MaxPendingReferences"/>) and judged at the end, in arrival order either way. Whether the chosen one is
    /// a FOLLOWS_FROM is reported too (<see cref="SpanFlags.FollowsFrom"/>: not on the parent's critical path).
    /// </summary>
    private struct References
    {
        private PendingReferences _pending;
        private int _pendingCount;
        private SpanId _laterChildOf;
        private SpanId _laterAny;

        public void Add(in Reference reference, TraceId trace, bool traceKnown)
        {
            if (!traceKnown)
            {
                if (_pendingCount < MaxPendingReferences) _pending[_pendingCount++] = reference;
                return;
            }
            if (!Matches(reference, trace)) return;
            if (!reference.FollowsFrom && _laterChildOf.IsEmpty) _laterChildOf = reference.Span;
            if (_laterAny.IsEmpty) _laterAny = reference.Span;
        }

        public readonly SpanId Parent(TraceId trace, out bool followsFrom)
        {
            SpanId firstAny = SpanId.Empty;
            for (int i = 0; i < _pendingCount; i++)
            {
                Reference r = _pending[i];
                if (!Matches(r, trace)) continue;
                if (!r.FollowsFrom)
                {
                    followsFrom = false;
                    return r.Span;
                }
                if (firstAny.IsEmpty) firstAny = r.Span;
            }
            if (!_laterChildOf.IsEmpty)
            {
                followsFrom = false;
                return _laterChildOf;
            }
            // No CHILD_OF in the trace: the first reference of any type, which can only be a FOLLOWS_FROM.
            SpanId parent = firstAny.IsEmpty ? _laterAny : firstAny;
            followsFrom = !parent.IsEmpty;
            return parent;
        }

        private static bool Matches(in Reference reference, TraceId trace) =>
            !reference.Span.IsEmpty && (!reference.HasTrace || reference.Trace == trace);
    }
}
