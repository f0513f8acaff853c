using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Protobuf;

namespace StreamAnalytics.Formats.Jaeger;

/// <summary>
/// Decodes one <c>jaeger.api_v2.Span</c> per message, as the Jaeger v1 collector writes it to Kafka
/// (<c>--kafka.producer.encoding=protobuf</c>).
/// </summary>
/// <remarks>
/// The parent is the span of the first CHILD_OF reference in the same trace, else of the first reference of any type in
/// the same trace (a FOLLOWS_FROM-only span still hangs under its predecessor, as Jaeger's UI draws it, and is flagged
/// <see cref="SpanFlags.FollowsFrom"/> so it stays off the predecessor's critical path). api_v2 has no
/// <c>parent_span_id</c> field (that was Thrift's), so references are the only source. Kind, error and HTTP status come
/// from the <c>span.kind</c>, <c>error</c> and <c>http.status_code</c> tags.
/// </remarks>
internal sealed class JaegerProtoDecoder : ISpanDecoder
{
    private readonly StringTable _strings;

    public JaegerProtoDecoder(StringTable strings) => _strings = strings;

    /// <summary><c>SpanRefType.FOLLOWS_FROM</c> in <c>model.proto</c> (CHILD_OF is 0).</summary>
    private const ulong FollowsFromRefType = 1;

    public SpanFormat Format => SpanFormat.JaegerProto;

    public bool TryDecode(ReadOnlySpan<byte> message, SpanBatch output, out DecodeError? error) =>
        ProtoDecoding.TryDecode(Format, message, output, _strings, ReadSpan, out error);

    private static bool ReadSpan(ReadOnlySpan<byte> message, SpanBatch output, int startCount, DecodeScratch scratch, ref DecodeFailure failure)
    {
        var reader = new ProtoReader(message);
        ReadOnlySpan<byte> traceId = default, spanId = default, operation = default, service = default;
        long startNanos = 0, durationNanos = 0;
        bool hasReferences = false;
        var attributes = new SpanAttributes();

        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok;
            switch (field)
            {
                case 1 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out traceId); break;
                case 2 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out spanId); break;
                case 3 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out operation); break;
                case 4 when wireType == WireType.LengthDelimited:
                    hasReferences = true;
                    ok = reader.TryReadLengthDelimited(out _);
                    break;
                case 6 when wireType == WireType.LengthDelimited:
                case 7 when wireType == WireType.LengthDelimited:
                    if (!reader.TryReadMessage(out ProtoReader time)) return failure.FromReader(ref reader, 0);
                    if (!ReadSecondsNanos(ref time, out long nanos, ref failure)) return false;
                    if (field == 6) startNanos = nanos;
                    else durationNanos = nanos;
                    ok = true;
                    break;
                case 8 when wireType == WireType.LengthDelimited:
                    if (!reader.TryReadMessage(out ProtoReader tag)) return failure.FromReader(ref reader, 0);
                    if (!ReadTag(ref tag, ref attributes)) return failure.FromReader(ref tag, 0);
                    ok = true;
                    break;
                case 10 when wireType == WireType.LengthDelimited:
                    if (!reader.TryReadMessage(out ProtoReader process)) return failure.FromReader(ref reader, 0);
                    if (!ProtoDecoding.TryReadSingleString(ref process, 1, out service)) return failure.FromReader(ref process, 0);
                    ok = true;
                    break;
                default:
                    ok = reader.TrySkip(field, wireType);
                    break;
            }
            if (!ok) return failure.FromReader(ref reader, 0);
        }
        if (reader.ErrorReason is not null) return failure.FromReader(ref reader, 0);

        if (!SpanIds.TryTraceId(traceId, allow64Bit: true, 0, 0, out TraceId trace, ref failure)) return false;
        if (!SpanIds.TrySpanId(spanId, 0, 0, out SpanId id, ref failure)) return false;
        SpanId parent = SpanId.Empty;
        bool followsFrom = false;
        // References are read in a second pass because the trace id they must match may come after them on the wire.
        if (hasReferences && !ResolveParent(message, trace, out parent, out followsFrom, ref failure)) return false;

        ref Span s = ref output.Add();
        s.TraceId = trace;
        s.SpanId = id;
        s.ParentSpanId = parent;
        s.StartUnixNanos = startNanos;
        SpanIds.SetDuration(ref s, durationNanos);
        s.Service = scratch.Intern(service);
        s.Operation = scratch.Intern(operation);
        s.Kind = attributes.KindTag;
        s.Flags |= attributes.ErrorFlags(honorErrorTag: true) | SpanFlags.SourceJaeger;
        if (followsFrom) s.Flags |= SpanFlags.FollowsFrom;
        attributes.ApplyPeer(ref s, scratch);
        return true;
    }

    /// <summary>The parent (see the class remarks), and whether its reference is a FOLLOWS_FROM (ref_type 1).</summary>
    private static bool ResolveParent(ReadOnlySpan<byte> message, TraceId trace, out SpanId parent, out bool followsFrom, ref DecodeFailure failure)
    {
        parent = SpanId.Empty;
        followsFrom = false;
        SpanId firstAny = SpanId.Empty;
        ulong firstAnyType = 0;
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (field != 4 || wireType != WireType.LengthDelimited)
            {
                reader.TrySkip(field, wireType); // the first pass already validated the structure
                continue;
            }
            int refOffset = reader.Position;
            reader.TryReadMessage(out ProtoReader reference);
            ReadOnlySpan<byte> refTrace = default, refSpan = default;
            ulong refType = 0;
            while (reference.TryReadTag(out int f, out WireType w))
            {
                bool ok = f switch
                {
                    1 when w == WireType.LengthDelimited => reference.TryReadLengthDelimited(out refTrace),
                    2 when w == WireType.LengthDelimited => reference.TryReadLengthDelimited(out refSpan),
                    3 when w == WireType.Varint => reference.TryReadVarint64(out refType),
                    _ => reference.TrySkip(f, w),
                };
                if (!ok) return failure.FromReader(ref reference, 0);
            }
            if (reference.ErrorReason is not null) return failure.FromReader(ref reference, 0);

            if (!SpanId.TryRead(refSpan, out SpanId refSpanId))
                return failure.Set(DecodeErrorKind.InvalidId, $"span 0: reference span id has {refSpan.Length} bytes, expected 8", refOffset);
            TraceId refTraceId = trace; // a reference without a trace id is taken to be in the same trace
            if (!refTrace.IsEmpty && !TraceId.TryRead(refTrace, out refTraceId))
                return failure.Set(DecodeErrorKind.InvalidId, $"span 0: reference trace id has {refTrace.Length} bytes, expected 16", refOffset);
            if (refTraceId != trace || refSpanId.IsEmpty) continue;
            if (refType == 0)
            {
                parent = refSpanId; // CHILD_OF wins outright
                return true;
            }
            if (firstAny.IsEmpty)
            {
                firstAny = refSpanId;
                firstAnyType = refType;
            }
        }
        parent = firstAny;
        followsFrom = !firstAny.IsEmpty && firstAnyType == FollowsFromRefType;
        return true;
    }

    /// <summary>google.protobuf.Timestamp and Duration share the shape seconds=1 (int64), nanos=2 (int32).</summary>
    internal static bool ReadSecondsNanos(scoped ref ProtoReader reader, out long totalNanos, ref DecodeFailure failure)
    {
        totalNanos = 0;
        long seconds = 0, nanos = 0;
        int offset = reader.Position;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok;
            if (field is 1 or 2 && wireType == WireType.Varint)
            {
                ok = reader.TryReadVarint64(out ulong raw);
                if (field == 1) seconds = (long)raw;
                else nanos = (int)raw; // int32 on the wire: negative values are sign-extended to 10 bytes
            }
            else
            {
                ok = reader.TrySkip(field, wireType);
            }
            if (!ok) return failure.FromReader(ref reader, 0);
        }
        if (reader.ErrorReason is not null) return failure.FromReader(ref reader, 0);
        if (seconds is > MaxSeconds or < -MaxSeconds || nanos is <= -1_000_000_000 or >= 1_000_000_000)
            return failure.Set(DecodeErrorKind.InvalidField, "span 0: timestamp or duration out of range", offset);
        totalNanos = seconds * 1_000_000_000 + nanos;
        return true;
    }

    private const long MaxSeconds = long.MaxValue / 1_000_000_000 - 1;

    /// <summary>Reads a Jaeger KeyValue and records it if its key is one the engine uses.</summary>
    private static bool ReadTag(scoped ref ProtoReader reader, ref SpanAttributes attributes)
    {
        ReadOnlySpan<byte> key = default, text = default;
        ulong valueType = 0, number = 0;
        bool boolean = false;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            bool ok;
            switch (field)
            {
                case 1 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out key); break;
                case 2 when wireType == WireType.Varint: ok = reader.TryReadVarint64(out valueType); break;
                case 3 when wireType == WireType.LengthDelimited: ok = reader.TryReadLengthDelimited(out text); break;
                case 4 when wireType == WireType.Varint:
                    ok = reader.TryReadVarint64(out ulong b);
                    boolean = b != 0;
                    break;
                case 5 when wireType == WireType.Varint: ok = reader.TryReadVarint64(out number); break;
                default: ok = reader.TrySkip(field, wireType); break;
            }
            if (!ok) return false;
        }
        if (reader.ErrorReason is not null) return false;

        AttributeKey which = AttributeKeys.Classify(key);
        if (which == AttributeKey.Other) return true;
        // v_type says which arm holds the value (proto3 omits defaults, so the arm itself may be absent).
        switch (valueType)
        {
            case 0: attributes.SetString(which, text); break;
            case 1: attributes.SetBool(which, boolean); break;
            case 2: attributes.SetInt(which, (long)number); break;
        }
        return true;
    }
}
