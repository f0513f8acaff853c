using System.Buffers;
using System.Buffers.Binary;
using StreamAnalytics.Features.Internal;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.State;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Assembly;

// Changelog: compacted, one key per chunk of a trace, written through a record cache.
//
//   key   = 16-byte trace id (TraceIdKey.WriteKey) for a trace's first chunk; trace id + 4-byte big-endian chunk number
//           for later ones. A chunk holds the spans that arrived in one commit interval, so no key is ever overwritten
//           while the trace is open and compaction (which keeps the last record per key) keeps every span of it.
//   value = kind byte 2 | varint revision | flags byte (bit0 truncated) | varint dropped | zigzag varint first-arrival
//           stream time | zigzag varint last-arrival stream time | SpanCodec payload of the chunk's spans (may hold none)
//           (kind 1, written before the cache, has a single stream time; restore still reads it)
//   null  = the trace was emitted: one tombstone per chunk it wrote, so compaction drops all of them. Restore acts on the
//           first chunk's tombstone and ignores the others (they only clean up).
//
// Record cache: adding spans only marks the trace dirty; Flush (before every commit) writes one chunk per dirty trace
// with the spans since its previous chunk. A trace emitted before any chunk of its revision was written logs nothing
// at all, not even its tombstone: the input since the last commit is replayed after a crash and rebuilds it. Restore
// reads records in offset order with the same rules whether or not the broker has compacted yet. Late retention is not
// logged: after a restore, a span for a trace emitted before it (whose tombstone was already compacted away, or which
// late.max.bytes did not keep) starts a new trace.
public sealed partial class OpenTraceStore
{
    private const byte AppendRecordV1 = 1;
    private const byte ChunkRecord = 2;
    private const int ChunkKeyLength = TraceIdKey.KeyLength + sizeof(uint);

    private readonly ArrayBufferWriter<byte> _logBuffer = new(256);
    private readonly SpanCodec _codec = new();
    private readonly List<int> _dirty = new();
    private ModelSpan[] _logScratch = new ModelSpan[16];
    private SpanBatch? _restoreBatch;
    private ModelSpan[] _restoreScratch = [];
    private IChangelog? _changelog;

    /// <summary>
    /// Topic configs for the runtime to create the changelog with: <c>cleanup.policy=compact,delete</c> (compaction keeps
    /// the chunks of open traces and drops emitted ones; deletion after <c>retention.ms</c> =
    /// <see cref="AssemblyConfig.EffectiveChangelogRetentionMs"/>, past the longest a trace can stay open, bounds the log
    /// even where the cleaner lags), <c>segment.ms</c> of a minute so the cleaner reaches recent records soon, and
    /// <c>delete.retention.ms</c> = the late retention, after which a tombstone has no use.
    /// </summary>
    public IReadOnlyDictionary<string, string> ChangelogTopicConfig
    {
        get
        {
            long retention = _config.EffectiveChangelogRetentionMs;
            return new Dictionary<string, string>
            {
                ["cleanup.policy"] = "compact,delete",
                ["retention.ms"] = retention.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["segment.ms"] = "60000",
                ["min.cleanable.dirty.ratio"] = "0.2",
                ["delete.retention.ms"] = Math.Max(60_000, _config.LateRetentionMs).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }
    }

    /// <summary>Traces whose changes wait in the record cache for the next <see cref="Flush"/>.</summary>
    public int CachedTraceCount
    {
        get
        {
            int n = 0;
            foreach (int h in _dirty)
                if (_table[h].State == EntryState.Open && (_table[h].Flags & EntryFlags.Dirty) != 0) n++;
            return n;
        }
    }

    /// <summary>
    /// Registers with the runtime (which then replays the changelog into the restore callback). State held from an
    /// earlier assignment is dropped first, since the changelog is the source of truth.
    /// </summary>
    public void Init(IStateStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Reset();
        _dirty.Clear();
        if (_ownsMetrics)
        {
            Metrics.Task = context.TaskId.ToString();
            AssemblyMeter.Register(Metrics);
        }
        _changelog = context.Register(this, Restore);
    }

    /// <summary>
    /// Writes the record cache: one changelog chunk per trace changed since the last flush (the runtime calls this before
    /// every commit, so the chunks are acknowledged, or in the transaction, before the input offsets they cover).
    /// </summary>
    public void Flush()
    {
        List<int> dirty = _dirty;
        for (int i = 0; i < dirty.Count; i++)
        {
            int h = dirty[i];
            ref TraceEntry e = ref _table[h];
            // A handle completed (or freed and reused) since it was listed has lost its flag, or is listed again later.
            if (e.State != EntryState.Open || (e.Flags & EntryFlags.Dirty) == 0) continue;
            e.Flags &= ~EntryFlags.Dirty;
            LogChunk(ref e);
        }
        dirty.Clear();
    }

    /// <summary>Drops the in-memory state (the changelog keeps it), stops logging and, for metrics it created, stops reporting them.</summary>
    public void Close()
    {
        Reset();
        _dirty.Clear();
        _changelog = null;
        if (_ownsMetrics) AssemblyMeter.Unregister(Metrics);
    }

    /// <summary>Notes spans from <paramref name="fromSlot"/> (-1: none, a flag changed) as waiting for the next flush.</summary>
    private void MarkDirty(int h, ref TraceEntry e, int fromSlot)
    {
        if (_changelog is null) return;
        if (e.Unlogged < 0) e.Unlogged = fromSlot;
        if ((e.Flags & EntryFlags.Dirty) != 0) return;
        e.Flags |= EntryFlags.Dirty;
        _dirty.Add(h);
    }

    /// <summary>The trace is emitted: tombstones every chunk it wrote, and forgets what the cache held.</summary>
    private void LogEmitted(ref TraceEntry e)
    {
        e.Flags &= ~EntryFlags.Dirty;
        e.Unlogged = -1;
        int chunks = e.Chunks;
        e.Chunks = 0;
        if (_changelog is null || chunks == 0) return;
        Span<byte> key = stackalloc byte[ChunkKeyLength];
        for (int c = 0; c < chunks; c++)
        {
            // Held until the commit that makes the emitted trace durable in every sink (see IChangelog.AppendTombstoneAfterCommit).
            _changelog.AppendTombstoneAfterCommit(WriteChunkKey(e.TraceId, c, key));
        }
    }

    /// <summary>Logs the spans of <paramref name="e"/>'s chain from its first unlogged slot as its next chunk.</summary>
    private void LogChunk(ref TraceEntry e)
    {
        if (_changelog is null) return;
        int n = _slab.Gather(e.Unlogged, ref _logScratch);
        e.Unlogged = -1;

        _logBuffer.ResetWrittenCount();
        Span<byte> header = _logBuffer.GetSpan(1 + 5 + 1 + 5 + 10 + 10);
        header[0] = ChunkRecord;
        int p = 1;
        p += Varint.Write(header[p..], (uint)e.Revision);
        header[p++] = (byte)((e.Flags & EntryFlags.Truncated) != 0 ? 1 : 0);
        p += Varint.Write(header[p..], (uint)e.Dropped);
        p += Varint.Write(header[p..], Varint.ZigZag(e.FirstStreamMs));
        p += Varint.Write(header[p..], Varint.ZigZag(e.LastStreamMs));
        _logBuffer.Advance(p);
        _codec.Encode(_logScratch.AsSpan(0, n), _strings, _logBuffer);

        Span<byte> key = stackalloc byte[ChunkKeyLength];
        _changelog.Append(WriteChunkKey(e.TraceId, e.Chunks, key), _logBuffer.WrittenSpan);
        e.Chunks++;
    }

    private static ReadOnlySpan<byte> WriteChunkKey(TraceId id, int chunk, Span<byte> key)
    {
        TraceIdKey.WriteKey(id, key);
        if (chunk == 0) return key[..TraceIdKey.KeyLength];
        BinaryPrimitives.WriteUInt32BigEndian(key[TraceIdKey.KeyLength..], (uint)chunk);
        return key[..ChunkKeyLength];
    }

    private static bool TryReadChunkKey(ReadOnlySpan<byte> key, out TraceId id, out int chunk)
    {
        chunk = 0;
        if (key.Length == ChunkKeyLength)
        {
            uint c = BinaryPrimitives.ReadUInt32BigEndian(key[TraceIdKey.KeyLength..]);
            if (c == 0 || c > int.MaxValue)
            {
                id = default;
                return false;
            }
            chunk = (int)c;
            key = key[..TraceIdKey.KeyLength];
        }
        return TraceIdKey.TryReadKey(key, out id);
    }

    /// <summary>
    /// Applies one changelog record during restore. Rebuilds spans, revision, truncation, root, stream-time arrival
    /// stamps and the chunk count; the wall-clock stamps become the restore time (the original ones are not logged),
    /// which can only make wall-clock rules fire later, never earlier. Counts into the restored counters, never the
    /// added ones, and logs nothing. A record that cannot be read is counted in <see cref="AssemblyMetrics.RestoreErrors"/>
    /// and skipped. Memory stays bounded by the open state plus late retention: an emitted trace's spans leave the slab
    /// at its tombstone, whether or not the broker compacted them away first.
    /// </summary>
    private void Restore(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isTombstone)
    {
        if (!TryReadChunkKey(key, out TraceId id, out int chunk))
        {
            Metrics.RestoreErrorsCount++;
            return;
        }
        if (isTombstone)
        {
            // Only the first chunk's tombstone stands for the emission; a reopened revision may already have logged its
            // own first chunk before the previous revision's later tombstones went out.
            if (chunk == 0) RetainRestored(id);
            PublishGauges();
            return;
        }

        int p = 1;
        if (value.IsEmpty || (value[0] != AppendRecordV1 && value[0] != ChunkRecord)
            || !Varint.TryRead(value, ref p, out ulong revision) || revision > int.MaxValue
            || p >= value.Length)
        {
            Metrics.RestoreErrorsCount++;
            return;
        }
        bool truncated = (value[p++] & 1) != 0;
        ulong zigzagFirst = 0;
        if (!Varint.TryRead(value, ref p, out ulong dropped) || dropped > int.MaxValue
            || (value[0] == ChunkRecord && !Varint.TryRead(value, ref p, out zigzagFirst))
            || !Varint.TryRead(value, ref p, out ulong zigzagLast))
        {
            Metrics.RestoreErrorsCount++;
            return;
        }
        long lastStreamMs = Varint.UnZigZag(zigzagLast);
        long firstStreamMs = value[0] == ChunkRecord ? Varint.UnZigZag(zigzagFirst) : lastStreamMs;
        _restoreBatch ??= new SpanBatch(64);
        _restoreBatch.Clear();
        if (!_codec.TryDecode(value[p..], _strings, _restoreBatch, out _))
        {
            Metrics.RestoreErrorsCount++;
            return;
        }

        long wallMs = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        AdvanceClocks(lastStreamMs, wallMs);
        int h = _table.Find(id);
        if (h >= 0 && _table[h].State != EntryState.Open)
        {
            RemoveRetained(h); // not produced by restore itself, but never let a stale record shadow the log
            h = -1;
        }
        if (h < 0)
        {
            h = OpenNew(id, (int)revision, firstStreamMs, wallMs);
            Metrics.TracesRestoredCount++;
        }
        ref TraceEntry e = ref _table[h];
        if (truncated) e.Flags |= EntryFlags.Truncated;
        if ((int)dropped > e.Dropped) e.Dropped = (int)dropped;
        if (chunk + 1 > e.Chunks) e.Chunks = chunk + 1;
        ReadOnlySpan<ModelSpan> spans = _restoreBatch.Spans;
        for (int i = 0; i < spans.Length; i++) AppendSpan(h, ref e, in spans[i], lastStreamMs, wallMs);
        e.LastStreamMs = lastStreamMs;
        e.LastWallMs = wallMs;
        MoveToTail(ref _activity, TraceEntry.ActivityList, h);
        _openSpans += spans.Length;
        _openBytes += (long)spans.Length * SpanSlotBytes;
        Metrics.SpansRestoredCount += spans.Length;
        PublishGauges();
    }

    /// <summary>
    /// A tombstone replayed during restore: the trace was emitted. Like <see cref="Complete"/> without the emission,
    /// the entry moves to late retention (with its spans while <c>late.max.bytes</c> allows), so that spans re-delivered
    /// after a restart (at_least_once re-reads input from the last commit, possibly on another instance) reopen it as
    /// a full revision with the same features instead of starting a partial new trace of the same id.
    /// </summary>
    private void RetainRestored(TraceId id)
    {
        int h = _table.Find(id);
        if (h < 0) return;
        ref TraceEntry e = ref _table[h];
        if (e.State != EntryState.Open) return;
        Unlink(ref _activity, TraceEntry.ActivityList, h);
        Unlink(ref _age, TraceEntry.AgeList, h);
        if ((e.Flags & EntryFlags.RootSeen) != 0) Unlink(ref _roots, TraceEntry.RootList, h);
        _openTraces--;
        _openSpans -= e.SpanCount;
        _openBytes -= TraceEntryBytes + (long)e.SpanCount * SpanSlotBytes;
        e.Chunks = 0;

        // Retain takes the spans as Complete emits them: in chain order, out of the slab.
        int n = _slab.Gather(e.Head, ref _restoreScratch);
        _slab.FreeChain(e.Head);
        e.Head = e.Tail = -1;
        Retain(h, _restoreScratch.AsSpan(0, n));
    }
}
