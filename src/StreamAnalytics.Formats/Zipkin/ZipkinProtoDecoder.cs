using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Protobuf;

namespace StreamAnalytics.Formats.Zipkin;

/// <summary>Decodes <c>zipkin.proto3.ListOfSpans</c> (field 1 = repeated Span); times are microseconds on the wire.</summary>
internal sealed class ZipkinProtoDecoder : ISpanDecoder
{
    private readonly StringTable _strings;
    private readonly DecoderOptions _options;

    public ZipkinProtoDecoder(StringTable strings, DecoderOptions options)
    {
        _strings = strings;
        _options = options;
        _read = ReadList;
    }

    // Cached once: a method group converted per call would allocate a delegate per message.
    private readonly ProtoMessageReader _read;

    public SpanFormat Format => SpanFormat.ZipkinProto;

    public bool TryDecode(ReadOnlySpan<byte> message, SpanBatch output, out DecodeError? error) =>
        ProtoDecoding.TryDecode(Format, message, output, _strings, _read, out error);

    private bool ReadList(ReadOnlySpan<byte> message, SpanBatch output, int startCount, DecodeScratch scratch, ref DecodeFailure failure)
    {
        var reader = new ProtoReader(message);
        bool sawSpan = false;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (field == 1 && wireType == WireType.LengthDelimited)
            {
                sawSpan = true;
                int spanIndex = output.Count - startCount;
                if (spanIndex >= _options.MaxSpansPerMessage)
                    return failure.Set(DecodeErrorKind.LimitExceeded, SpanIds.TooManySpans(_options.MaxSpansPerMessage), reader.Position);
                if (!reader.TryReadMessage(out ProtoReader span)) return failure.FromReader(ref reader, spanIndex);
                if (!ReadSpan(ref span, output, spanIndex, scratch, ref failure)) return false;
            }
            else if (!reader.TrySkip(field, wireType))
            {
                return failure.FromReader(ref reader);
            }
        }
        if (reader.ErrorReason is not null) return failure.FromReader(ref reader);
        // A non-empty list without a single span is another format on the wrong topic, not "no spans".
        return sawSpan || failure.Set(DecodeErrorKind.Malformed, "no spans (field 1) in a non-empty message; is this topic really zipkin_proto?", 0);
    }

    private static bool ReadSpan(scoped ref ProtoReader reader, SpanBatch output, int spanIndex, DecodeScratch scratch, ref DecodeFailure failure)
    {
        int spanOffset = reader.Position;
        ReadOnlySpan<byte> traceId = default, spanId = default, parentId = default, name = default, service = default;
        ulong kind = 0, timestampMicros = 0, durationMicros = 0, shared = 0;
        var attributes = new SpanAttributes();

        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok;
            switch (field)
            {
                case 1 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out traceId); break;
                case 2 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out parentId); break;
                case 3 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out spanId); break;
                case 4 when wireType == WireType.Varint: ok = reader.TryReadVarint64(out kind); break;
                case 5 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out name); break;
                case 6 when wireType == WireType.Fixed64: ok = reader.TryReadFixed64(out timestampMicros); break;
                case 7 when wireType == WireType.Varint: ok = reader.TryReadVarint64(out durationMicros); break;
                case 8 when wireType == WireType.LengthDelimited:
                case 9 when wireType == WireType.LengthDelimited:
                    if (!reader.TryReadMessage(out ProtoReader endpoint)) return failure.FromReader(ref reader, spanIndex);
                    if (!ProtoDecoding.TryReadSingleString(ref endpoint, 1, out ReadOnlySpan<byte> endpointService)) return failure.FromReader(ref endpoint, spanIndex);
                    if (field == 8) service = endpointService;
                    else attributes.RemoteService = endpointService; // only a name makes a peer: an IP alone does not
                    ok = true;
                    break;
                case 11 when wireType == WireType.LengthDelimited:
                    if (!reader.TryReadMessage(out ProtoReader entry)) return failure.FromReader(ref reader, spanIndex);
                    if (!ReadTag(ref entry, ref attributes)) return failure.FromReader(ref entry, spanIndex);
                    ok = true;
                    break;
                case 13 when wireType == WireType.Varint: ok = reader.TryReadVarint64(out shared); break;
                default: ok = reader.TrySkip(field, wireType); break;
            }
            if (!ok) return failure.FromReader(ref reader, spanIndex);
        }
        if (reader.ErrorReason is not null) return failure.FromReader(ref reader, spanIndex);

        if (!SpanIds.TryTraceId(traceId, allow64Bit: true, spanIndex, spanOffset, out TraceId trace, ref failure)) return false;
        if (!SpanIds.TrySpanId(spanId, spanIndex, spanOffset, out SpanId id, ref failure)) return false;
        if (!SpanIds.TryParentId(parentId, spanIndex, spanOffset, out SpanId parent, ref failure)) return false;
        if (timestampMicros > MaxMicros || durationMicros > MaxMicros)
            return failure.Set(DecodeErrorKind.InvalidField, $"span {spanIndex}: timestamp or duration is after the year 2262", spanOffset);

        ref Span s = ref output.Add();
        s.TraceId = trace;
        s.SpanId = id;
        s.ParentSpanId = parent;
        s.StartUnixNanos = (long)timestampMicros * 1000;
        s.DurationNanos = (long)durationMicros * 1000;
        s.Service = scratch.Intern(service);
        s.Operation = scratch.Intern(name);
        s.Kind = ZipkinKinds.FromProto(kind);
        if (shared != 0) s.Flags |= SpanFlags.Shared;
        s.Flags |= attributes.ZipkinErrorFlags() | SpanFlags.SourceZipkin;
        attributes.ApplyPeer(ref s, scratch);
        return true;
    }

    private const ulong MaxMicros = long.MaxValue / 1000;

    /// <summary>A <c>map&lt;string,string&gt;</c> entry: key = 1, value = 2.</summary>
    private static bool ReadTag(scoped ref ProtoReader reader, ref SpanAttributes attributes)
    {
        ReadOnlySpan<byte> key = default, value = default;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok = field switch
            {
                1 when wireType == WireType.LengthDelimited => reader.TryReadLengthDelimited(out key),
                2 when wireType == WireType.LengthDelimited => reader.TryReadLengthDelimited(out value),
                _ => reader.TrySkip(field, wireType),
            };
            if (!ok) return false;
        }
        if (reader.ErrorReason is not null) return false;
        AttributeKey which = AttributeKeys.Classify(key);
        // Zipkin has a kind field of its own; a span.kind tag is not a Zipkin convention.
        if (which is not AttributeKey.Other and not AttributeKey.SpanKind) attributes.SetString(which, value);
        return true;
    }
}
