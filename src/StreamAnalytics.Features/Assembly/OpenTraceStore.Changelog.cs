using System.Buffers;
using StreamAnalytics.Features.Internal;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.State;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Assembly;

// Changelog: an append log, not a snapshot per key.
//
//   key   = 16-byte trace id (TraceIdKey.WriteKey)
//   value = kind byte (1 = spans appended) | varint revision | flags byte (bit0 truncated) | varint dropped
//           | zigzag varint stream time of the append | SpanCodec payload of the appended spans (may hold none)
//   null  = the trace was emitted (tombstone)
//
// Several records per key follow each other, so the topic must NOT be compacted (compaction keeps only the last
// append and loses spans): cleanup.policy=delete with retention.ms above assembly.max.trace.duration.ms +
// assembly.late.retention.ms. A reopened trace is logged whole after its tombstone, so replay rebuilds revisions.
// Late retention itself is not logged: after a restore, a span for a trace emitted before it starts a new trace.
public sealed partial class OpenTraceStore
{
    private const byte AppendRecord = 1;

    private readonly ArrayBufferWriter<byte> _logBuffer = new(256);
    private readonly SpanCodec _codec = new();
    private ModelSpan[] _logScratch = new ModelSpan[16];
    private SpanBatch? _restoreBatch;
    private ModelSpan[] _restoreScratch = [];
    private IChangelog? _changelog;

    /// <summary>
    /// Topic configs for the runtime to create the changelog with: <c>cleanup.policy=delete</c> (never compact an append
    /// log), <c>retention.ms</c> = <see cref="AssemblyConfig.EffectiveChangelogRetentionMs"/>, and <c>segment.ms</c> a
    /// quarter of that (at least a minute) so old segments actually become deletable on a slow partition.
    /// </summary>
    public IReadOnlyDictionary<string, string> ChangelogTopicConfig
    {
        get
        {
            long retention = _config.EffectiveChangelogRetentionMs;
            return new Dictionary<string, string>
            {
                ["cleanup.policy"] = "delete",
                ["retention.ms"] = retention.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["segment.ms"] = Math.Max(60_000, retention / 4).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
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
        if (_ownsMetrics)
        {
            Metrics.Task = context.TaskId.ToString();
            AssemblyMeter.Register(Metrics);
        }
        _changelog = context.Register(this, Restore);
    }

    /// <summary>Nothing to do: changelog records are handed to <see cref="IChangelog"/> as changes happen.</summary>
    public void Flush() { }

    /// <summary>Drops the in-memory state (the changelog keeps it), stops logging and, for metrics it created, stops reporting them.</summary>
    public void Close()
    {
        Reset();
        _changelog = null;
        if (_ownsMetrics) AssemblyMeter.Unregister(Metrics);
    }

    private void LogTombstone(TraceId traceId)
    {
        if (_changelog is null) return;
        Span<byte> key = stackalloc byte[TraceIdKey.KeyLength];
        traceId.WriteBytes(key);
        // Held until the commit that makes the emitted trace durable in every sink (see IChangelog.AppendTombstoneAfterCommit).
        _changelog.AppendTombstoneAfterCommit(key);
    }

    /// <summary>Logs the spans of <paramref name="h"/>'s chain from <paramref name="fromSlot"/> to its end (none when -1).</summary>
    private void LogAppend(int h, int fromSlot)
    {
        if (_changelog is null) return;
        ref TraceEntry e = ref _table[h];
        int n = _slab.Gather(fromSlot, ref _logScratch);

        _logBuffer.ResetWrittenCount();
        Span<byte> header = _logBuffer.GetSpan(1 + 5 + 1 + 5 + 10);
        header[0] = AppendRecord;
        int p = 1;
        p += Varint.Write(header[p..], (uint)e.Revision);
        header[p++] = (byte)((e.Flags & EntryFlags.Truncated) != 0 ? 1 : 0);
        p += Varint.Write(header[p..], (uint)e.Dropped);
        p += Varint.Write(header[p..], Varint.ZigZag(_streamMs));
        _logBuffer.Advance(p);
        _codec.Encode(_logScratch.AsSpan(0, n), _strings, _logBuffer);

        Span<byte> key = stackalloc byte[TraceIdKey.KeyLength];
        e.TraceId.WriteBytes(key);
        _changelog.Append(key, _logBuffer.WrittenSpan);
    }

    /// <summary>
    /// Applies one changelog record during restore. Rebuilds spans, revision, truncation, root and stream-time
    /// arrival stamps; the wall-clock stamps become the restore time (the original ones are not logged), which can only
    /// make wall-clock rules fire later, never earlier. Counts into the restored counters, never the added ones, and
    /// logs nothing. A record that cannot be read is counted in <see cref="AssemblyMetrics.RestoreErrors"/> and skipped.
    /// </summary>
    private void Restore(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isTombstone)
    {
        if (!TraceIdKey.TryReadKey(key, out TraceId id))
        {
            Metrics.RestoreErrorsCount++;
            return;
        }
        if (isTombstone)
        {
            RetainRestored(id);
            PublishGauges();
            return;
        }

        int p = 1;
        if (value.IsEmpty || value[0] != AppendRecord
            || !Varint.TryRead(value, ref p, out ulong revision) || revision > int.MaxValue
            || p >= value.Length)
        {
            Metrics.RestoreErrorsCount++;
            return;
        }
        bool truncated = (value[p++] & 1) != 0;
        if (!Varint.TryRead(value, ref p, out ulong dropped) || dropped > int.MaxValue
            || !Varint.TryRead(value, ref p, out ulong zigzagStream))
        {
            Metrics.RestoreErrorsCount++;
            return;
        }
        long streamMs = Varint.UnZigZag(zigzagStream);
        _restoreBatch ??= new SpanBatch(64);
        _restoreBatch.Clear();
        if (!_codec.TryDecode(value[p..], _strings, _restoreBatch, out _))
        {
            Metrics.RestoreErrorsCount++;
            return;
        }

        long wallMs = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        AdvanceClocks(streamMs, wallMs);
        int h = _table.Find(id);
        if (h >= 0 && _table[h].State != EntryState.Open)
        {
            RemoveRetained(h); // not produced by restore itself, but never let a stale record shadow the log
            h = -1;
        }
        if (h < 0)
        {
            h = OpenNew(id, (int)revision, streamMs, wallMs);
            Metrics.TracesRestoredCount++;
        }
        ref TraceEntry e = ref _table[h];
        if (truncated) e.Flags |= EntryFlags.Truncated;
        if ((int)dropped > e.Dropped) e.Dropped = (int)dropped;
        ReadOnlySpan<ModelSpan> spans = _restoreBatch.Spans;
        for (int i = 0; i < spans.Length; i++) AppendSpan(h, ref e, in spans[i], streamMs, wallMs);
        e.LastStreamMs = streamMs;
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

        // Retain takes the spans as Complete emits them: in chain order, out of the slab.
        int n = _slab.Gather(e.Head, ref _restoreScratch);
        _slab.FreeChain(e.Head);
        e.Head = e.Tail = -1;
        Retain(h, _restoreScratch.AsSpan(0, n));
    }
}
