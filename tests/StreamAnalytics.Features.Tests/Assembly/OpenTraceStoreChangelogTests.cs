using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats.Model;
using static StreamAnalytics.Features.Tests.Assembly.AssemblyTestKit;

namespace StreamAnalytics.Features.Tests.Assembly;

public sealed class OpenTraceStoreChangelogTests
{
    private readonly StringTable _strings = new();
    private readonly List<Trace> _out = new();

    [Fact]
    public void Spans_wait_in_the_record_cache_and_go_out_as_one_record_per_trace_per_flush()
    {
        var (store, ctx) = Initialised(Config());
        var a = new TraceAssembler(store);
        a.Add(Child(_strings, Tid(1), 1), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 2), 10, T0Wall, _out);
        a.AddRange([Child(_strings, Tid(1), 3), Child(_strings, Tid(1), 4)], 20, T0Wall, _out);
        Assert.Equal(0, ctx.Changelog.Appends);
        Assert.Equal(1, store.CachedTraceCount);

        store.Flush();
        Assert.Equal(1, ctx.Changelog.Appends);
        Assert.Equal(TraceIdKey.ToKey(Tid(1)), ctx.Changelog.Records[0].Key);
        store.Flush(); // nothing changed since
        Assert.Equal(1, ctx.Changelog.Appends);

        // Spans after a flush are the trace's second chunk, under its own key, so compaction keeps both.
        a.Add(Child(_strings, Tid(1), 5), 30, T0Wall, _out);
        store.Flush();
        Assert.Equal(2, ctx.Changelog.Appends);
        Assert.Equal(20, ctx.Changelog.Records[1].Key.Length);
        Assert.Equal(TraceIdKey.ToKey(Tid(1)), ctx.Changelog.Records[1].Key[..16]);

        // Emission tombstones both chunks.
        a.CompleteDue(10_100, T0Wall, _out);
        Assert.Equal(2, ctx.Changelog.Tombstones);
        Assert.Equal(ctx.Changelog.Records[0].Key, ctx.Changelog.Records[2].Key);
        Assert.Equal(ctx.Changelog.Records[1].Key, ctx.Changelog.Records[3].Key);
    }

    [Fact]
    public void A_trace_emitted_before_any_flush_writes_nothing_to_the_changelog()
    {
        var (store, ctx) = Initialised(Config());
        var a = new TraceAssembler(store);
        for (ulong s = 1; s <= 5; s++) a.Add(Child(_strings, Tid(1), s), 0, T0Wall, _out);
        a.CompleteDue(10_000, T0Wall, _out);
        store.Flush();

        Assert.Single(_out);
        Assert.Empty(ctx.Changelog.Records);
    }

    [Fact]
    public void Restore_from_a_compacted_changelog_rebuilds_the_same_open_traces_as_from_the_uncompacted_one()
    {
        var (original, ctx) = Initialised(Config());
        var a = new TraceAssembler(original);
        // Trace 1 spans three flushes and stays open; trace 2 spans two and is emitted; trace 3 is emitted and reopened.
        a.Add(Child(_strings, Tid(1), 11), 1_000, T0Wall, _out);
        a.Add(Child(_strings, Tid(2), 21), 1_000, T0Wall, _out);
        a.Add(Child(_strings, Tid(3), 31), 1_000, T0Wall, _out);
        original.Flush();
        a.Add(Child(_strings, Tid(2), 22), 2_000, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 12), 3_000, T0Wall, _out);
        original.Flush();
        a.CompleteDue(12_500, T0Wall, _out); // 2 and 3 out (gap 10 s), 1 stays open
        a.Add(Child(_strings, Tid(1), 13), 12_600, T0Wall, _out);
        a.Add(Child(_strings, Tid(3), 32), 12_700, T0Wall, _out); // late: revision 1
        original.Flush();

        var (plain, plainCtx) = Initialised(Config());
        plainCtx.Replay(ctx.Changelog.Records);
        var (compacted, compactedCtx) = Initialised(Config());
        var kept = Compact(ctx.Changelog.Records);
        Assert.True(kept.Count < ctx.Changelog.Records.Count);
        compactedCtx.Replay(kept);

        foreach (var restored in new[] { plain, compacted })
        {
            Assert.Equal(OpenIds(original), OpenIds(restored));
            foreach (var id in OpenIds(original))
            {
                Assert.Equal(original.GetOpenSpans(id).Select(s => s.SpanId), restored.GetOpenSpans(id).Select(s => s.SpanId));
                Assert.True(original.TryGetOpenTrace(id, out var before));
                Assert.True(restored.TryGetOpenTrace(id, out var after));
                Assert.Equal(before.Revision, after.Revision);
                Assert.Equal(before.FirstStreamMs, after.FirstStreamMs);
                Assert.Equal(before.LastStreamMs, after.LastStreamMs);
            }
            Assert.Equal(0, restored.Metrics.RestoreErrors);
        }

        // After a restore the chunk numbering goes on, and emission tombstones every chunk of the revision.
        compacted.TryAdd(Child(_strings, Tid(1), 14), 12_800, T0Wall);
        compacted.Flush();
        var newest = compactedCtx.Changelog.Records[^1].Key;
        Assert.DoesNotContain(kept, r => r.Key.AsSpan().SequenceEqual(newest));
        new TraceAssembler(compacted).CompleteDue(30_000, T0Wall, new List<Trace>());
        Assert.Equal(4 + 1, compactedCtx.Changelog.Tombstones); // trace 1's four chunks, trace 3's one
    }

    [Fact]
    public void A_later_chunks_tombstone_replayed_after_a_reopened_revision_does_not_emit_it_again()
    {
        var (original, ctx) = Initialised(Config());
        var a = new TraceAssembler(original);
        a.Add(Child(_strings, Tid(1), 1), 0, T0Wall, _out);
        original.Flush();
        a.Add(Child(_strings, Tid(1), 2), 0, T0Wall, _out);
        original.Flush();
        a.CompleteDue(10_000, T0Wall, _out);
        a.Add(Child(_strings, Tid(1), 3), 10_100, T0Wall, _out); // late: revision 1
        original.Flush();
        // Under at_least_once the second chunk's tombstone may go out after the new revision's first record.
        var records = ctx.Changelog.Records;
        var reordered = new List<(byte[] Key, byte[]? Value)> { records[0], records[1], records[2], records[4], records[3] };
        Assert.Null(reordered[4].Value);
        Assert.Equal(20, reordered[4].Key.Length);

        var (restored, ctx2) = Initialised(Config());
        ctx2.Replay(reordered);

        Assert.True(restored.TryGetOpenTrace(Tid(1), out var info));
        Assert.Equal(1, info.Revision);
        Assert.Equal([1UL, 2UL, 3UL], restored.GetOpenSpans(Tid(1)).Select(s => s.SpanId.Value));
    }

    [Fact]
    public void A_long_random_run_with_held_deletes_restores_exactly_the_traces_still_open()
    {
        var rng = new Random(7);
        var config = Config(c => new AssemblyConfig { LateRetentionMs = 60_000 });
        var original = Store(config, _strings);
        var ctx = new DeferringStateStoreContext();
        original.Init(ctx);
        var a = new TraceAssembler(original);
        var spanIds = new Dictionary<ulong, ulong>();
        long now = 0;
        for (int step = 0; step < 20_000; step++)
        {
            now += rng.Next(0, 5);
            // Mostly recent traces, sometimes an old one (a late span that reopens it).
            ulong trace = (ulong)Math.Max(1, now / 50 - (rng.Next(10) == 0 ? rng.Next(0, 400) : rng.Next(0, 20)));
            ulong span = spanIds[trace] = spanIds.GetValueOrDefault(trace) + 1;
            a.Add(Child(_strings, Tid(trace), span), now, T0Wall, _out);
            if (step % 97 == 0) a.CompleteDue(now, T0Wall, _out);
            if (step % 211 == 0)
            {
                original.Flush();
                ctx.Changelog.Committed();
            }
        }
        original.Flush();
        ctx.Changelog.Committed();
        Assert.True(_out.Count > 100);
        Assert.Contains(_out, t => t.Revision > 0);

        var (plain, plainCtx) = Initialised(config);
        plainCtx.Replay(ctx.Changelog.Records);
        var (compacted, compactedCtx) = Initialised(config);
        compactedCtx.Replay(Compact(ctx.Changelog.Records));
        foreach (var restored in new[] { plain, compacted })
        {
            Assert.Equal(OpenIds(original).Order(), OpenIds(restored).Order());
            foreach (var id in OpenIds(original))
                Assert.Equal(original.GetOpenSpans(id).Select(s => s.SpanId).Order(), restored.GetOpenSpans(id).Select(s => s.SpanId).Order());
        }
    }

    /// <summary>What a broker's log cleaner leaves: the last record of each key, in offset order.</summary>
    private static List<(byte[] Key, byte[]? Value)> Compact(List<(byte[] Key, byte[]? Value)> records)
    {
        var last = new Dictionary<string, int>();
        for (int i = 0; i < records.Count; i++) last[Convert.ToHexString(records[i].Key)] = i;
        return records.Where((r, i) => last[Convert.ToHexString(r.Key)] == i).ToList();
    }

    [Fact]
    public void Replaying_the_changelog_rebuilds_the_same_open_traces_and_then_the_same_completed_traces()
    {
        var config = Config(c => new AssemblyConfig { MaxSpansPerTrace = 3 });
        var (original, ctx) = Initialised(config);
        var a = new TraceAssembler(original);

        // A flush (commit) after every add: every trace is logged in chunks.
        a.Add(Child(_strings, Tid(1), 11), 1_000, T0Wall, _out);
        original.Flush();
        a.Add(Span(_strings, Tid(2), 21, parent: 1, service: "cart", operation: "Ünïcödé 操作 🚀"), 1_500, T0Wall, _out);
        original.Flush();
        a.Add(Span(_strings, Tid(2), 1), 2_000, T0Wall, _out); // root of trace 2
        original.Flush();
        for (ulong s = 31; s <= 35; s++)
        {
            a.Add(Child(_strings, Tid(3), s), 2_500, T0Wall, _out); // truncated at 3
            original.Flush();
        }
        a.Add(Child(_strings, Tid(4), 41), 3_000, T0Wall, _out);
        // Trace 5: emitted, then reopened by a late span (revision 1 with both spans).
        a.Add(Child(_strings, Tid(5), 51), 3_000, T0Wall, _out);
        original.Flush();
        a.CompleteDue(13_000, T0Wall, _out); // gap: all five complete
        _out.Clear();
        a.Add(Child(_strings, Tid(6), 61), 13_500, T0Wall, _out);
        original.Flush();
        a.Add(Child(_strings, Tid(5), 52), 14_000, T0Wall, _out); // late → revision 1
        a.Add(Child(_strings, Tid(6), 62), 14_100, T0Wall, _out);
        original.Flush();

        var restoreTime = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0Wall + 50_000));
        var restored = new OpenTraceStore(config, new StringTable(), restoreTime, new AssemblyMetrics("restored", registerWithMeter: false));
        var ctx2 = new FakeStateStoreContext();
        restored.Init(ctx2);
        ctx2.Replay(ctx.Changelog.Records);

        Assert.Equal(OpenIds(original), OpenIds(restored));
        Assert.Equal([Tid(6), Tid(5)], OpenIds(restored));
        foreach (var id in OpenIds(original))
        {
            Assert.True(original.TryGetOpenTrace(id, out var before));
            Assert.True(restored.TryGetOpenTrace(id, out var after));
            Assert.Equal(before.SpanCount, after.SpanCount);
            Assert.Equal(before.Revision, after.Revision);
            Assert.Equal(before.RootSeen, after.RootSeen);
            Assert.Equal(before.Truncated, after.Truncated);
            Assert.Equal(before.DroppedSpans, after.DroppedSpans);
            Assert.Equal(before.FirstStreamMs, after.FirstStreamMs);
            Assert.Equal(before.LastStreamMs, after.LastStreamMs);
            Assert.Equal(T0Wall + 50_000, after.LastWallMs); // documented: wall-clock stamps become the restore time
            Assert.Equal(original.GetOpenSpans(id).Select(s => s.SpanId), restored.GetOpenSpans(id).Select(s => s.SpanId));
        }
        Assert.Equal(original.OpenBytes, restored.OpenBytes);
        Assert.Equal(original.StreamTimeMs, restored.StreamTimeMs);

        // Restore does not count as new work.
        Assert.Equal(0, restored.Metrics.SpansAdded);
        Assert.Equal(0, restored.Metrics.TracesOpened);
        Assert.Equal(original.OpenSpanCount, restored.OpenSpanCount);
        Assert.Equal(0, restored.Metrics.RestoreErrors);

        // Both complete the same traces.
        var fromOriginal = new List<Trace>();
        var fromRestored = new List<Trace>();
        new TraceAssembler(original).CompleteDue(30_000, T0Wall, fromOriginal);
        new TraceAssembler(restored).CompleteDue(30_000, T0Wall, fromRestored);
        Assert.Equal(Describe(fromOriginal, _strings), Describe(fromRestored, restored.Strings));
        Assert.Contains(fromRestored, t => t.TraceId == Tid(5) && t.Revision == 1 && SpanIds(t).SequenceEqual(new ulong[] { 51, 52 }));
    }

    [Fact]
    public void A_restored_truncated_trace_keeps_its_flag_and_root_rule()
    {
        var config = Config(c => new AssemblyConfig { MaxSpansPerTrace = 1 });
        var (original, ctx) = Initialised(config);
        original.TryAdd(Span(_strings, Tid(1), 1), 5_000, T0Wall); // root
        original.Flush();
        original.TryAdd(Child(_strings, Tid(1), 2), 5_000, T0Wall); // dropped: only the flag is logged
        original.Flush();

        var (restored, ctx2) = Initialised(config);
        ctx2.Replay(ctx.Changelog.Records);

        Assert.True(restored.TryGetOpenTrace(Tid(1), out var info));
        Assert.True(info.Truncated);
        Assert.Equal(1, info.DroppedSpans);
        Assert.True(info.RootSeen);
        Assert.Equal(5_000, info.RootStreamMs);
        var done = new List<Trace>();
        new TraceAssembler(restored).CompleteDue(7_000, 0, done);
        Assert.Equal(CompletionReason.Root, Assert.Single(done).Reason);
    }

    [Fact]
    public void A_tombstone_in_the_changelog_removes_the_trace_on_restore()
    {
        var (original, ctx) = Initialised(Config());
        var a = new TraceAssembler(original);
        a.Add(Child(_strings, Tid(1), 1), 0, T0Wall, _out);
        a.Add(Child(_strings, Tid(2), 1), 9_000, T0Wall, _out);
        original.Flush();
        a.CompleteDue(10_000, T0Wall, _out); // trace 1 out

        var (restored, ctx2) = Initialised(Config());
        ctx2.Replay(ctx.Changelog.Records);

        Assert.Equal([Tid(2)], OpenIds(restored));
        Assert.Equal(OpenTraceStore.TraceEntryBytes + OpenTraceStore.SpanSlotBytes, restored.OpenBytes);
    }

    [Fact]
    public void Unreadable_changelog_records_are_counted_and_skipped_without_throwing()
    {
        var (restored, ctx) = Initialised(Config());
        byte[] key = TraceIdKey.ToKey(Tid(1));
        ctx.Replay([
            (new byte[] { 1, 2, 3 }, new byte[] { 1 }),
            (key, new byte[] { 9, 9, 9 }),
            (key, new byte[] { 1, 0, 0, 0, 0, 0xFF }),
            (key, Array.Empty<byte>()),
        ]);

        Assert.Equal(4, restored.Metrics.RestoreErrors);
        Assert.Equal(0, restored.OpenTraceCount);
    }

    private (OpenTraceStore Store, FakeStateStoreContext Context) Initialised(AssemblyConfig config)
    {
        var store = Store(config, _strings);
        var ctx = new FakeStateStoreContext();
        store.Init(ctx);
        return (store, ctx);
    }

    private static List<TraceId> OpenIds(OpenTraceStore store)
    {
        var ids = new List<TraceId>();
        store.CopyOpenTraceIds(ids);
        return ids;
    }

    private static List<string> Describe(List<Trace> traces, StringTable strings) => traces
        .Select(t => $"{t.TraceId} r{t.Revision} {t.Reason} trunc={t.Truncated} dropped={t.DroppedSpans} "
            + string.Join(",", t.SpanArray.Take(t.Count).Select(s => $"{s.SpanId}/{s.ParentSpanId}/{strings[s.Service]}/{strings[s.Operation]}/{s.StartUnixNanos}")))
        .ToList();
}
