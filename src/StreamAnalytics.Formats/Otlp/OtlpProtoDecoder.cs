using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Protobuf;

namespace StreamAnalytics.Formats.Otlp;

/// <summary>
/// Decodes <c>ExportTraceServiceRequest</c>/<c>TracesData</c> (same wire shape: field 1 = repeated ResourceSpans) straight
/// from the wire, reading only the fields the engine keeps. This is the engine's fastest path: no generated message
/// objects, no per-span allocation; names go through the per-thread intern cache.
/// </summary>
/// <remarks>
/// Field order is not assumed: a <c>resource</c> that arrives after its spans is applied to them afterwards, and a key
/// that follows its value is still matched. A non-empty message with no <c>resource_spans</c> at all is rejected: it is
/// almost certainly another format on the wrong topic (JSON bytes often parse as a few unknown protobuf fields).
/// </remarks>
internal sealed class OtlpProtoDecoder : ISpanDecoder
{
    private readonly StringTable _strings;
    private readonly DecoderOptions _options;

    public OtlpProtoDecoder(StringTable strings, DecoderOptions options)
    {
        _strings = strings;
        _options = options;
        _read = ReadRequest;
    }

    // Cached once: a method group converted per call would allocate a delegate per message.
    private readonly ProtoMessageReader _read;

    public SpanFormat Format => SpanFormat.OtlpProto;

    public bool TryDecode(ReadOnlySpan<byte> message, SpanBatch output, out DecodeError? error) =>
        ProtoDecoding.TryDecode(Format, message, output, _strings, _read, out error);

    private bool ReadRequest(ReadOnlySpan<byte> message, SpanBatch output, int startCount, DecodeScratch scratch, ref DecodeFailure failure)
    {
        var reader = new ProtoReader(message);
        bool sawResourceSpans = false;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (field == 1 && wireType == WireType.LengthDelimited)
            {
                sawResourceSpans = true;
                if (!reader.TryReadMessage(out ProtoReader resourceSpans)) return failure.FromReader(ref reader);
                if (!ReadResourceSpans(ref resourceSpans, output, startCount, scratch, ref failure)) return false;
            }
            else if (!reader.TrySkip(field, wireType))
            {
                return failure.FromReader(ref reader);
            }
        }
        if (reader.ErrorReason is not null) return failure.FromReader(ref reader);
        if (!sawResourceSpans)
            return failure.Set(DecodeErrorKind.Malformed, "no resource_spans (field 1) in a non-empty message; is this topic really otlp_proto?", 0);
        return true;
    }

    private bool ReadResourceSpans(scoped ref ProtoReader reader, SpanBatch output, int startCount, DecodeScratch scratch, ref DecodeFailure failure)
    {
        int firstSpan = output.Count;
        int service = -1; // not seen yet
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (wireType == WireType.LengthDelimited && field == 1)
            {
                if (!reader.TryReadMessage(out ProtoReader resource)) return failure.FromReader(ref reader);
                if (!ReadResource(ref resource, scratch, out int found, ref failure)) return false;
                if (service < 0)
                {
                    service = found;
                    // The resource came after some spans (legal, if unusual): give them their service now.
                    for (int i = firstSpan; i < output.Count; i++) output[i].Service = service;
                }
            }
            // 1000 is the deprecated instrumentation_library_spans: same shape as scope_spans, still sent by old SDKs.
            else if (wireType == WireType.LengthDelimited && (field == 2 || field == 1000))
            {
                if (!reader.TryReadMessage(out ProtoReader scopeSpans)) return failure.FromReader(ref reader);
                if (!ReadScopeSpans(ref scopeSpans, output, startCount, service < 0 ? StringTable.Unknown : service, scratch, ref failure))
                    return false;
            }
            else if (!reader.TrySkip(field, wireType))
            {
                return failure.FromReader(ref reader);
            }
        }
        return reader.ErrorReason is null || failure.FromReader(ref reader);
    }

    private static bool ReadResource(scoped ref ProtoReader reader, DecodeScratch scratch, out int service, ref DecodeFailure failure)
    {
        service = StringTable.Unknown;
        bool found = false;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (field == 1 && wireType == WireType.LengthDelimited)
            {
                if (!reader.TryReadMessage(out ProtoReader keyValue)) return failure.FromReader(ref reader);
                if (!ReadKeyValue(ref keyValue, out ReadOnlySpan<byte> key, out ProtoReader value)) return failure.FromReader(ref keyValue);
                if (!found && AttributeKeys.Classify(key) == AttributeKey.ServiceName)
                {
                    if (!ReadAnyValue(ref value, out AnyValue any)) return failure.FromReader(ref value);
                    if (any.Type == AnyValueType.String)
                    {
                        service = scratch.Intern(any.String);
                        found = true;
                    }
                }
            }
            else if (!reader.TrySkip(field, wireType))
            {
                return failure.FromReader(ref reader);
            }
        }
        return reader.ErrorReason is null || failure.FromReader(ref reader);
    }

    private bool ReadScopeSpans(scoped ref ProtoReader reader, SpanBatch output, int startCount, int service, DecodeScratch scratch, ref DecodeFailure failure)
    {
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (field == 2 && wireType == WireType.LengthDelimited)
            {
                int spanIndex = output.Count - startCount;
                if (spanIndex >= _options.MaxSpansPerMessage)
                    return failure.Set(DecodeErrorKind.LimitExceeded, SpanIds.TooManySpans(_options.MaxSpansPerMessage), reader.Position);
                if (!reader.TryReadMessage(out ProtoReader span)) return failure.FromReader(ref reader, spanIndex);
                if (!ReadSpan(ref span, output, spanIndex, service, scratch, ref failure)) return false;
            }
            else if (!reader.TrySkip(field, wireType))
            {
                return failure.FromReader(ref reader);
            }
        }
        return reader.ErrorReason is null || failure.FromReader(ref reader);
    }

    private static bool ReadSpan(scoped ref ProtoReader reader, SpanBatch output, int spanIndex, int service, DecodeScratch scratch, ref DecodeFailure failure)
    {
        int spanOffset = reader.Position;
        ReadOnlySpan<byte> traceId = default, spanId = default, parentId = default, name = default;
        ulong startNanos = 0, endNanos = 0, kind = 0;
        int status = 0;
        var attributes = new SpanAttributes();

        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok;
            switch (field)
            {
                case 1 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out traceId); break;
                case 2 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out spanId); break;
                case 4 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out parentId); break;
                case 5 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out name); break;
                case 6 when wireType == WireType.Varint: ok = reader.TryReadVarint64(out kind); break;
                case 7 when wireType == WireType.Fixed64: ok = reader.TryReadFixed64(out startNanos); break;
                case 8 when wireType == WireType.Fixed64: ok = reader.TryReadFixed64(out endNanos); break;
                case 9 when wireType == WireType.LengthDelimited:
                    if (!reader.TryReadMessage(out ProtoReader keyValue)) return failure.FromReader(ref reader, spanIndex);
                    if (!ReadAttribute(ref keyValue, ref attributes, spanIndex, ref failure)) return false;
                    ok = true;
                    break;
                case 15 when wireType == WireType.LengthDelimited:
                    if (!reader.TryReadMessage(out ProtoReader statusReader)) return failure.FromReader(ref reader, spanIndex);
                    if (!ReadStatus(ref statusReader, out status)) return failure.FromReader(ref statusReader, spanIndex);
                    ok = true;
                    break;
                default: ok = reader.TrySkip(field, wireType); break;
            }
            if (!ok) return failure.FromReader(ref reader, spanIndex);
        }
        if (reader.ErrorReason is not null) return failure.FromReader(ref reader, spanIndex);

        if (!SpanIds.TryTraceId(traceId, allow64Bit: false, spanIndex, spanOffset, out TraceId trace, ref failure)) return false;
        if (!SpanIds.TrySpanId(spanId, spanIndex, spanOffset, out SpanId id, ref failure)) return false;
        if (!SpanIds.TryParentId(parentId, spanIndex, spanOffset, out SpanId parent, ref failure)) return false;
        if (startNanos > long.MaxValue || endNanos > long.MaxValue)
            return failure.Set(DecodeErrorKind.InvalidField, $"span {spanIndex}: timestamp is after the year 2262", spanOffset);

        ref Span s = ref output.Add();
        s.TraceId = trace;
        s.SpanId = id;
        s.ParentSpanId = parent;
        s.StartUnixNanos = (long)startNanos;
        SpanIds.SetDuration(ref s, (long)endNanos - (long)startNanos);
        s.Service = service;
        s.Operation = scratch.Intern(name);
        s.Kind = kind <= 5 ? (SpanKind)kind : SpanKind.Unspecified;
        attributes.Status = status;
        // OTLP has a status field; an "error" attribute is not an OTLP convention, so only status and HTTP 5xx count.
        s.Flags |= attributes.ErrorFlags(honorErrorTag: false) | SpanFlags.SourceOtlp;
        attributes.ApplyPeer(ref s, scratch);
        return true;
    }

    private static bool ReadStatus(scoped ref ProtoReader reader, out int code)
    {
        code = 0;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (field == 3 && wireType == WireType.Varint)
            {
                if (!reader.TryReadVarint64(out ulong value)) return false;
                // Unknown codes are treated as unset rather than guessed at.
                code = value is 1 or 2 ? (int)value : 0;
            }
            else if (!reader.TrySkip(field, wireType))
            {
                return false;
            }
        }
        return reader.ErrorReason is null;
    }

    private static bool ReadAttribute(scoped ref ProtoReader keyValue, ref SpanAttributes attributes, int spanIndex, ref DecodeFailure failure)
    {
        if (!ReadKeyValue(ref keyValue, out ReadOnlySpan<byte> key, out ProtoReader value)) return failure.FromReader(ref keyValue, spanIndex);
        AttributeKey which = AttributeKeys.Classify(key);
        if (which == AttributeKey.Other) return true;
        if (!ReadAnyValue(ref value, out AnyValue any)) return failure.FromReader(ref value, spanIndex);
        switch (any.Type)
        {
            case AnyValueType.String: attributes.SetString(which, any.String); break;
            case AnyValueType.Int: attributes.SetInt(which, any.Int); break;
            case AnyValueType.Bool: attributes.SetBool(which, any.Int != 0); break;
            case AnyValueType.Double:
                if (any.Double is >= 0 and < 1000) attributes.SetInt(which, (long)any.Double);
                break;
        }
        return true;
    }

    /// <summary>Reads a KeyValue's key and the bytes of its value (not parsed: most keys are of no interest).</summary>
    internal static bool ReadKeyValue(scoped ref ProtoReader reader, out ReadOnlySpan<byte> key, out ProtoReader value)
    {
        key = default;
        value = default;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok = field switch
            {
                1 when wireType == WireType.LengthDelimited => reader.TryReadLengthDelimited(out key),
                2 when wireType == WireType.LengthDelimited => reader.TryReadMessage(out value),
                _ => reader.TrySkip(field, wireType),
            };
            if (!ok) return false;
        }
        return reader.ErrorReason is null;
    }

    /// <summary>
    /// Reads the scalar arms of an AnyValue. Arrays and key-value lists are skipped by length, never descended into,
    /// so attribute nesting cannot cost stack.
    /// </summary>
    private static bool ReadAnyValue(scoped ref ProtoReader reader, out AnyValue value)
    {
        value = default;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok;
            switch (field)
            {
                case 1 when wireType == WireType.LengthDelimited:
                    ok = reader.TryReadLengthDelimited(out value.String);
                    value.Type = AnyValueType.String;
                    break;
                case 2 when wireType == WireType.Varint:
                case 3 when wireType == WireType.Varint:
                    ok = reader.TryReadVarint64(out ulong raw);
                    value.Int = (long)raw;
                    value.Type = field == 2 ? AnyValueType.Bool : AnyValueType.Int;
                    break;
                case 4 when wireType == WireType.Fixed64:
                    ok = reader.TryReadFixed64(out ulong bits);
                    value.Double = BitConverter.UInt64BitsToDouble(bits);
                    value.Type = AnyValueType.Double;
                    break;
                default:
                    ok = reader.TrySkip(field, wireType);
                    break;
            }
            if (!ok) return false;
        }
        return reader.ErrorReason is null;
    }

    private enum AnyValueType : byte
    {
        None,
        String,
        Bool,
        Int,
        Double,
    }

    private ref struct AnyValue
    {
        public AnyValueType Type;
        public ReadOnlySpan<byte> String;
        public long Int;
        public double Double;
    }
}
