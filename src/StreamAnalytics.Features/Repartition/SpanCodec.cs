using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using StreamAnalytics.Features.Internal;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// The engine's own compact binary form of spans, used for the repartition topic <c>{app}-spans-by-trace</c> and for
/// the open-trace store's changelog. <see cref="StringTable"/> ids are process-local, so every value carries its own
/// small string table and the spans refer to it by index.
/// </summary>
/// <remarks>
/// <para>Layout (version 1):</para>
/// <code>
/// version      byte = 1
/// stringCount  varint; strings are numbered from 3 (0 = none, 1 = unknown, 2 = overflow are implied)
///   string     varint UTF-8 length, bytes
/// spanCount    varint
///   header     byte: bit0 same trace id as the previous span, bit1 no parent, bits2-4 kind, bits5-7 peer kind
///   flags      byte (SpanFlags)
///   traceId    16 bytes big-endian, unless bit0
///   spanId     8 bytes big-endian
///   parentId   8 bytes big-endian, unless bit1
///   start      zigzag varint, delta to the previous span's start (the first span's delta is to 0)
///   duration   zigzag varint
///   service, operation, peer   varint string indexes
/// </code>
/// <para>
/// Not thread-safe: an instance keeps scratch tables so that encoding and decoding allocate nothing per span; use one
/// per task. Decoding never throws on bad bytes: it returns false with a <see cref="SpanCodecError"/> and leaves the
/// <see cref="SpanBatch"/> as it found it. The only allocation while decoding is the string of a name the
/// <see cref="StringTable"/> has not seen before. The encoder keeps each name's UTF-8 bytes by string id (at most one
/// copy per name of the table), since every record repeats the same few names.
/// </para>
/// </remarks>
public sealed class SpanCodec
{
    /// <summary>The version byte this build writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>Default for <see cref="MaxSpansPerRecord"/>.</summary>
    public const int DefaultMaxSpansPerRecord = 1_000_000;

    /// <summary>Default for <see cref="MaxStringBytes"/>.</summary>
    public const int DefaultMaxStringBytes = 64 * 1024;

    private const int ReservedStrings = 3; // None, Unknown, Overflow: never written, same meaning in every process
    private const int MaxRowBytes = 2 + 16 + 8 + 8 + 10 + 10 + 5 + 5 + 5;
    // A row without a trace id and without a parent: header, flags, span id, four one-byte varints (start, duration, 3 names).
    private const int MinRowBytes = 2 + 8 + 5;

    // Encoding scratch, indexed by StringTable id (bounded by the table's MaxEntries): the local index of each name in
    // the record being written (valid when its stamp equals _epoch, so nothing is cleared per record), and each
    // name's UTF-8 bytes, cached because every record repeats the same few names.
    private StringTable? _cachedTable;
    private int[] _localStamp = new int[256];
    private int[] _localIndex = new int[256];
    private byte[]?[] _utf8ById = new byte[]?[256];
    private int _epoch;
    private readonly List<int> _stringIdsInOrder = new();
    private int[] _stringIdByLocal = new int[64];

    /// <summary>Creates a codec with the given decode limits.</summary>
    /// <param name="maxSpansPerRecord">Most spans one value may hold when decoding (protects against a corrupt count).</param>
    /// <param name="maxStringBytes">Longest name, in UTF-8 bytes, accepted when decoding.</param>
    public SpanCodec(int maxSpansPerRecord = DefaultMaxSpansPerRecord, int maxStringBytes = DefaultMaxStringBytes)
    {
        if (maxSpansPerRecord < 1) throw new ArgumentOutOfRangeException(nameof(maxSpansPerRecord), maxSpansPerRecord, "must be at least 1");
        if (maxStringBytes < 1) throw new ArgumentOutOfRangeException(nameof(maxStringBytes), maxStringBytes, "must be at least 1");
        MaxSpansPerRecord = maxSpansPerRecord;
        MaxStringBytes = maxStringBytes;
    }

    /// <summary>Most spans one value may hold when decoding.</summary>
    public int MaxSpansPerRecord { get; }

    /// <summary>Longest name accepted when decoding, in UTF-8 bytes.</summary>
    public int MaxStringBytes { get; }

    /// <summary>Writes <paramref name="spans"/>, with the names they use, as one value.</summary>
    /// <param name="spans">Spans in the order they should decode; any mix of trace ids (one trace compresses best).</param>
    /// <param name="strings">The table that resolves the spans' name ids.</param>
    /// <param name="output">Receives the bytes.</param>
    /// <returns>The number of bytes written.</returns>
    public int Encode(ReadOnlySpan<ModelSpan> spans, StringTable strings, IBufferWriter<byte> output)
    {
        if (!ReferenceEquals(_cachedTable, strings))
        {
            // Ids mean different names in another table.
            Array.Clear(_utf8ById);
            Array.Clear(_localStamp);
            _cachedTable = strings;
        }
        if (_localStamp.Length < strings.Count)
        {
            int size = Math.Max(strings.Count, _localStamp.Length * 2);
            Array.Resize(ref _localStamp, size);
            Array.Resize(ref _localIndex, size);
            Array.Resize(ref _utf8ById, size);
        }
        if (++_epoch == int.MaxValue)
        {
            Array.Clear(_localStamp);
            _epoch = 1;
        }
        _stringIdsInOrder.Clear();
        for (int i = 0; i < spans.Length; i++)
        {
            ref readonly ModelSpan s = ref spans[i];
            Collect(s.Service);
            Collect(s.Operation);
            Collect(s.Peer);
        }

        int written = 0;
        Span<byte> head = output.GetSpan(1 + 5);
        head[0] = Version;
        int n = 1 + Varint.Write(head[1..], (uint)_stringIdsInOrder.Count);
        output.Advance(n);
        written += n;

        for (int i = 0; i < _stringIdsInOrder.Count; i++)
        {
            int id = _stringIdsInOrder[i];
            byte[] utf8 = _utf8ById[id] ??= Encoding.UTF8.GetBytes(strings[id]);
            Span<byte> dest = output.GetSpan(5 + utf8.Length);
            int p = Varint.Write(dest, (uint)utf8.Length);
            utf8.CopyTo(dest[p..]);
            p += utf8.Length;
            output.Advance(p);
            written += p;
        }

        Span<byte> countSpan = output.GetSpan(5);
        n = Varint.Write(countSpan, (uint)spans.Length);
        output.Advance(n);
        written += n;

        TraceId previousTrace = TraceId.Empty;
        long previousStart = 0;
        for (int i = 0; i < spans.Length; i++)
        {
            ref readonly ModelSpan s = ref spans[i];
            Span<byte> row = output.GetSpan(MaxRowBytes);
            bool sameTrace = i > 0 && s.TraceId == previousTrace;
            bool noParent = s.ParentSpanId.IsEmpty;
            row[0] = (byte)((sameTrace ? 1 : 0) | (noParent ? 2 : 0) | (((int)s.Kind & 7) << 2) | (((int)s.PeerKind & 7) << 5));
            row[1] = (byte)s.Flags;
            int p = 2;
            if (!sameTrace)
            {
                s.TraceId.WriteBytes(row.Slice(p, 16));
                p += 16;
            }
            BinaryPrimitives.WriteUInt64BigEndian(row[p..], s.SpanId.Value);
            p += 8;
            if (!noParent)
            {
                BinaryPrimitives.WriteUInt64BigEndian(row[p..], s.ParentSpanId.Value);
                p += 8;
            }
            p += Varint.Write(row[p..], Varint.ZigZag(unchecked(s.StartUnixNanos - previousStart)));
            p += Varint.Write(row[p..], Varint.ZigZag(s.DurationNanos));
            p += Varint.Write(row[p..], (uint)Local(s.Service));
            p += Varint.Write(row[p..], (uint)Local(s.Operation));
            p += Varint.Write(row[p..], (uint)Local(s.Peer));
            output.Advance(p);
            written += p;
            previousTrace = s.TraceId;
            previousStart = s.StartUnixNanos;
        }
        return written;
    }

    /// <summary>
    /// Decodes one value into <paramref name="output"/>, interning its names in <paramref name="strings"/>. All or
    /// nothing: on failure the batch is truncated back to its count on entry.
    /// </summary>
    public bool TryDecode(ReadOnlySpan<byte> input, StringTable strings, SpanBatch output, out SpanCodecError error)
    {
        int start = output.Count;
        if (TryDecodeCore(input, strings, output, out error)) return true;
        output.Truncate(start);
        return false;
    }

    private bool TryDecodeCore(ReadOnlySpan<byte> input, StringTable strings, SpanBatch output, out SpanCodecError error)
    {
        if (input.IsEmpty) return Fail(SpanCodecErrorKind.Empty, 0, out error);
        if (input[0] != Version) return Fail(SpanCodecErrorKind.UnsupportedVersion, 0, out error);
        int pos = 1;

        if (!Varint.TryRead(input, ref pos, out uint stringCount)) return Fail(SpanCodecErrorKind.Malformed, pos, out error);
        // Each string takes at least its one-byte length, so a count beyond the remaining bytes is corrupt, not big.
        if (stringCount > (uint)(input.Length - pos)) return Fail(SpanCodecErrorKind.Malformed, pos, out error);
        int localCount = (int)stringCount + ReservedStrings;
        if (_stringIdByLocal.Length < localCount) _stringIdByLocal = new int[Math.Max(localCount, _stringIdByLocal.Length * 2)];
        int[] ids = _stringIdByLocal;
        ids[0] = StringTable.None;
        ids[1] = StringTable.Unknown;
        ids[2] = StringTable.Overflow;
        for (int i = ReservedStrings; i < localCount; i++)
        {
            int at = pos;
            if (!Varint.TryRead(input, ref pos, out uint length)) return Fail(SpanCodecErrorKind.Malformed, at, out error);
            if (length > (uint)MaxStringBytes) return Fail(SpanCodecErrorKind.LimitExceeded, at, out error);
            if (length > (uint)(input.Length - pos)) return Fail(SpanCodecErrorKind.Malformed, at, out error);
            ids[i] = strings.Intern(input.Slice(pos, (int)length));
            pos += (int)length;
        }

        int countAt = pos;
        if (!Varint.TryRead(input, ref pos, out uint spanCount)) return Fail(SpanCodecErrorKind.Malformed, countAt, out error);
        if (spanCount > (uint)MaxSpansPerRecord) return Fail(SpanCodecErrorKind.LimitExceeded, countAt, out error);
        if (spanCount > (uint)((input.Length - pos) / MinRowBytes)) return Fail(SpanCodecErrorKind.Malformed, countAt, out error);

        TraceId previousTrace = TraceId.Empty;
        long previousStart = 0;
        for (uint i = 0; i < spanCount; i++)
        {
            int rowAt = pos;
            if (input.Length - pos < 2 + 8) return Fail(SpanCodecErrorKind.Malformed, rowAt, out error);
            byte header = input[pos];
            byte flags = input[pos + 1];
            pos += 2;
            int kind = (header >> 2) & 7;
            int peerKind = header >> 5;
            if (kind > (int)SpanKind.Consumer || peerKind > (int)PeerKind.Address) return Fail(SpanCodecErrorKind.InvalidField, rowAt, out error);

            TraceId traceId;
            if ((header & 1) != 0)
            {
                if (i == 0) return Fail(SpanCodecErrorKind.Malformed, rowAt, out error);
                traceId = previousTrace;
            }
            else
            {
                if (input.Length - pos < 16) return Fail(SpanCodecErrorKind.Malformed, pos, out error);
                TraceId.TryRead(input.Slice(pos, 16), out traceId);
                pos += 16;
                if (traceId.IsEmpty) return Fail(SpanCodecErrorKind.InvalidId, rowAt, out error);
            }
            if (input.Length - pos < 8) return Fail(SpanCodecErrorKind.Malformed, pos, out error);
            ulong spanId = BinaryPrimitives.ReadUInt64BigEndian(input[pos..]);
            pos += 8;
            ulong parentId = 0;
            if ((header & 2) == 0)
            {
                if (input.Length - pos < 8) return Fail(SpanCodecErrorKind.Malformed, pos, out error);
                parentId = BinaryPrimitives.ReadUInt64BigEndian(input[pos..]);
                pos += 8;
            }
            if (!Varint.TryRead(input, ref pos, out ulong startDelta)
                || !Varint.TryRead(input, ref pos, out ulong duration)
                || !Varint.TryRead(input, ref pos, out uint service)
                || !Varint.TryRead(input, ref pos, out uint operation)
                || !Varint.TryRead(input, ref pos, out uint peer))
            {
                return Fail(SpanCodecErrorKind.Malformed, pos, out error);
            }
            if (service >= (uint)localCount || operation >= (uint)localCount || peer >= (uint)localCount)
            {
                return Fail(SpanCodecErrorKind.InvalidField, rowAt, out error);
            }

            ref ModelSpan s = ref output.Add();
            s.TraceId = traceId;
            s.SpanId = new SpanId(spanId);
            s.ParentSpanId = new SpanId(parentId);
            s.StartUnixNanos = unchecked(previousStart + Varint.UnZigZag(startDelta));
            s.DurationNanos = Varint.UnZigZag(duration);
            s.Service = ids[service];
            s.Operation = ids[operation];
            s.Peer = ids[peer];
            s.Kind = (SpanKind)kind;
            s.Flags = (SpanFlags)flags;
            s.PeerKind = (PeerKind)peerKind;
            previousTrace = traceId;
            previousStart = s.StartUnixNanos;
        }

        // Strict: trailing bytes mean the writer and reader disagree about the layout, which must not pass silently.
        if (pos != input.Length) return Fail(SpanCodecErrorKind.Malformed, pos, out error);
        error = default;
        return true;
    }

    private void Collect(int stringId)
    {
        if (stringId < ReservedStrings || _localStamp[stringId] == _epoch) return;
        _localStamp[stringId] = _epoch;
        _localIndex[stringId] = _stringIdsInOrder.Count + ReservedStrings;
        _stringIdsInOrder.Add(stringId);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Local(int stringId) => stringId < ReservedStrings ? stringId : _localIndex[stringId];

    private static bool Fail(SpanCodecErrorKind kind, int offset, out SpanCodecError error)
    {
        error = new SpanCodecError(kind, offset);
        return false;
    }
}
