using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats.Model;
using static StreamAnalytics.Features.Tests.Assembly.AssemblyTestKit;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Tests.Assembly;

/// <summary>The retention ring on its own, and late retention through the store with its spans in the ring.</summary>
public sealed class RetentionRingTests
{
    private readonly StringTable _strings = new();
    private readonly List<Trace> _out = new();

    // ---- the ring alone ----------------------------------------------------------------------------------------------

    [Fact]
    public void Runs_read_back_across_chunk_boundaries_and_the_uint_wrap_of_positions()
    {
        var ring = new RetentionRing(softCapacitySpans: 64, start: uint.MaxValue - 40); // 16-span chunks
        Assert.Equal(16, ring.ChunkSize);
        var runs = new List<(int Position, ModelSpan[] Spans)>();
        ulong id = 1;
        for (int r = 0; r < 12; r++)
        {
            var spans = Enumerable.Range(0, 3 + r % 5).Select(_ => Numbered(id++)).ToArray();
            runs.Add((ring.Append(spans), spans));
            // FIFO release keeps about 30 spans live, so the ring cycles its chunks and crosses position 2^32.
            while (ring.LiveCount > 30)
            {
                var oldest = runs[0];
                runs.RemoveAt(0);
                ring.Release(oldest.Spans.Length, runs.Count > 0 ? runs[0].Position : ring.End);
            }
        }

        Assert.True((uint)runs[^1].Position < (uint)runs[0].Position, "positions wrapped");
        foreach (var (position, spans) in runs) Assert.Equal(Ids(spans), Ids(ring, position, spans.Length));
        Assert.True(ring.AllocatedChunks <= 4, $"{ring.AllocatedChunks} chunks for ≤ 30 live spans of 16-span chunks");
    }

    [Fact]
    public void Released_chunks_are_reused_so_memory_follows_the_live_extent()
    {
        var ring = new RetentionRing(softCapacitySpans: 1 << 16); // 4096-span chunks
        var spans = Enumerable.Range(1, 1000).Select(i => Numbered((ulong)i)).ToArray();
        for (int i = 0; i < 100; i++)
        {
            int position = ring.Append(spans);
            ring.Release(spans.Length, ring.End); // emitted and released right away: 100 000 spans through the ring
            Assert.Equal(position + spans.Length, ring.End);
        }
        Assert.Equal(0, ring.LiveCount);
        Assert.Equal(0, ring.Extent);
        Assert.True(ring.AllocatedChunks <= 2, $"{ring.AllocatedChunks} chunks");
    }

    [Fact]
    public void Compaction_moves_live_runs_to_the_tail_in_order()
    {
        var ring = new RetentionRing(softCapacitySpans: 32, start: uint.MaxValue - 15); // 16-span chunks, 2 soft chunks; c crosses the wrap
        var a = Enumerable.Range(1, 6).Select(i => Numbered((ulong)i)).ToArray();
        var b = Enumerable.Range(11, 10).Select(i => Numbered((ulong)i)).ToArray();
        var c = Enumerable.Range(21, 7).Select(i => Numbered((ulong)i)).ToArray();
        int pa = ring.Append(a);
        int pb = ring.Append(b);
        int pc = ring.Append(c);
        ring.Release(b.Length, pa); // a middle run goes (a reopened trace): a hole of 10

        Assert.True(ring.ShouldCompact(12)); // 23 + 12 spans would need a third chunk, and the hole is over a quarter of 13
        ring.Move(pc, pa + a.Length, c.Length);
        ring.TruncateTo(pa + a.Length + c.Length);

        Assert.Equal(13, ring.Extent);
        Assert.Equal(Ids(a), Ids(ring, pa, a.Length));
        Assert.Equal(Ids(c), Ids(ring, pa + a.Length, c.Length));
        Assert.False(ring.ShouldCompact(12));
    }

    [Fact]
    public void Without_enough_holes_the_ring_grows_past_its_soft_size_instead_of_compacting()
    {
        var ring = new RetentionRing(softCapacitySpans: 32); // 2 soft chunks of 16
        int p = ring.Append(Enumerable.Range(1, 20).Select(i => Numbered((ulong)i)).ToArray());
        ring.Append(Enumerable.Range(21, 2).Select(i => Numbered((ulong)i)).ToArray());
        ring.Release(2, p); // a 2-span hole: below a quarter of 20 live spans

        Assert.False(ring.ShouldCompact(12));
        ring.Append(Enumerable.Range(31, 12).Select(i => Numbered((ulong)i)).ToArray());
        Assert.Equal(3, ring.AllocatedChunks);
    }

    // ---- through the store ---------------------------------------------------------------------------------------

    [Fact]
    public void An_idle_store_allocates_no_ring_and_a_few_retained_traces_take_one_chunk_not_the_budget()
    {
        var a = new TraceAssembler(Store(Config(c => new AssemblyConfig { LateMaxBytes = 64L * 1024 * 1024 }), _strings));
        Assert.Equal(0, a.Store.Ring.AllocatedChunks);

        for (ulong t = 1; t <= 10; t++)
        {
            for (ulong s = 1; s <= 5; s++) a.Add(Child(_strings, Tid(t), s), 0, T0Wall, _out);
        }
        a.CompleteDue(10_000, T0Wall, _out);

        Assert.Equal(10, a.Store.RetainedTraceCount);
        Assert.Equal(50, a.Store.Ring.LiveCount);
        Assert.Equal(1, a.Store.Ring.AllocatedChunks); // 4096 spans = 256 KiB, against 64 MiB of budget
    }

    [Fact]
    public void The_budget_counts_entries_and_spans_and_releases_the_oldest_spans_first()
    {
        const int traces = 50;
        const int spansEach = 4;
        long perTrace = OpenTraceStore.TraceEntryBytes + spansEach * OpenTraceStore.SpanSlotBytes;
        var a = new TraceAssembler(Store(Config(c => new AssemblyConfig { LateMaxBytes = 10 * perTrace }), _strings));
        for (int t = 1; t <= traces; t++)
        {
            for (ulong s = 1; s <= spansEach; s++) a.Add(Child(_strings, Tid((ulong)t), s), t * 20_000L, T0Wall, _out);
            a.CompleteDue(t * 20_000L + 10_000, T0Wall, _out);

            long entries = a.Store.RetainedTraceCount;
            long spans = a.Store.Ring.LiveCount;
            Assert.Equal(entries * OpenTraceStore.TraceEntryBytes + spans * OpenTraceStore.SpanSlotBytes, a.Store.RetainedBytes);
            Assert.True(a.Store.RetainedBytes <= a.Store.Config.LateMaxBytes);
        }
        // 60 s retention, a trace every 20 s: the last three are remembered, with their spans.
        Assert.Equal(3, a.Store.RetainedTraceCount);
        Assert.Equal(3 * spansEach, a.Store.Ring.LiveCount);
        Assert.Equal(3 * spansEach, a.Store.Ring.Extent);
        Assert.True(a.Store.Ring.AllocatedChunks <= 3, $"{a.Store.Ring.AllocatedChunks} chunks");
    }

    [Fact]
    public void Eviction_releases_spans_in_emission_order_and_late_spans_reopen_whatever_is_still_held()
    {
        long withSpans = OpenTraceStore.TraceEntryBytes + 3 * OpenTraceStore.SpanSlotBytes;
        // Room for 4 traces with spans; then records only.
        var a = new TraceAssembler(Store(Config(c => new AssemblyConfig { LateMaxBytes = 4 * withSpans + 2 * OpenTraceStore.TraceEntryBytes }), _strings));
        for (ulong t = 1; t <= 6; t++)
        {
            for (ulong s = 1; s <= 3; s++) a.Add(Child(_strings, Tid(t), t * 10 + s), 0, T0Wall, _out);
        }
        a.CompleteDue(10_000, T0Wall, _out); // emitted 1..6 in this order
        Assert.Equal(6, a.Store.RetainedTraceCount);
        Assert.Equal(6, a.Store.Metrics.RetainedSpansReleased); // traces 1 and 2, the oldest
        Assert.Equal(12, a.Store.Ring.Extent); // their runs were at the tail: no hole left
        _out.Clear();

        for (ulong t = 1; t <= 6; t++) a.Add(Child(_strings, Tid(t), t * 10 + 9), 10_001, T0Wall, _out);
        a.CompleteDue(30_000, T0Wall, _out);

        Assert.Equal(6, _out.Count);
        foreach (Trace t in _out)
        {
            ulong n = t.TraceId.Low;
            Assert.Equal(1, t.Revision);
            if (n <= 2)
            {
                Assert.Equal(new[] { n * 10 + 9 }, SpanIds(t));
                Assert.True(t.Truncated);
                Assert.Equal(3, t.DroppedSpans);
            }
            else
            {
                Assert.Equal(new[] { n * 10 + 1, n * 10 + 2, n * 10 + 3, n * 10 + 9 }, SpanIds(t));
                Assert.False(t.Truncated);
            }
        }
    }

    [Fact]
    public void Late_spans_reopen_full_traces_after_the_ring_cycled_and_compacted_many_times()
    {
        // A 20-span trace every 10 ms, emitted 1 s later (gap) and remembered 120 ms; budget for 10 of them. Every
        // other trace gets a late span right after its emission, so its run becomes a hole among live runs: the ring
        // (14 chunks of 16 spans) cycles many times over 2 000 traces and has to compact.
        const int spansEach = 20;
        long perTrace = OpenTraceStore.TraceEntryBytes + spansEach * OpenTraceStore.SpanSlotBytes;
        var a = new TraceAssembler(Store(Config(c => new AssemblyConfig { GapMs = 1_000, LateRetentionMs = 120, LateMaxBytes = 10 * perTrace }), _strings));
        long now = 0;
        int full = 0, partial = 0;
        for (ulong t = 1; t <= 2_000; t++)
        {
            now += 10;
            for (ulong s = 1; s <= spansEach; s++) a.Add(Child(_strings, Tid(t), t * 100 + s), now, T0Wall, _out);
            if (t > 101 && t % 2 == 0)
            {
                ulong back = t - 101; // emitted by the add just above
                a.Add(Child(_strings, Tid(back), back * 100 + 99), now, T0Wall, _out);
            }
            CheckRevisions();
            Assert.True(a.Store.RetainedBytes <= a.Store.Config.LateMaxBytes);
            Assert.Equal(a.Store.RetainedBytes - a.Store.RetainedTraceCount * (long)OpenTraceStore.TraceEntryBytes,
                a.Store.Ring.LiveCount * (long)OpenTraceStore.SpanSlotBytes);
        }
        a.CompleteAll(CompletionReason.EndOfInput, _out);
        CheckRevisions();

        Assert.Equal(a.Store.Metrics.LateRevisions, full + partial);
        Assert.Equal(a.Store.Metrics.PartialLateRevisions, partial);
        Assert.True(full > 900, $"{full} full late revisions, {partial} partial");
        RetentionRing ring = a.Store.Ring;
        Assert.True(ring.Compactions > 10, $"{ring.Compactions} compactions");
        // Soft size: 218 spans in 14 chunks of 16; with holes at most ~1.25 × that.
        Assert.True(ring.AllocatedChunks <= 19, $"{ring.AllocatedChunks} chunks");

        void CheckRevisions()
        {
            foreach (Trace done in _out.Where(d => d.Revision == 1))
            {
                ulong n = done.TraceId.Low;
                var expected = Enumerable.Range(1, spansEach).Select(s => n * 100 + (ulong)s).Append(n * 100 + 99);
                if (done.Truncated)
                {
                    Assert.Equal(new[] { n * 100 + 99 }, SpanIds(done));
                    Assert.Equal(spansEach, done.DroppedSpans);
                    partial++;
                }
                else
                {
                    Assert.Equal(expected, SpanIds(done));
                    full++;
                }
            }
            _out.Clear();
        }
    }

    [Fact]
    public void Restore_retains_emitted_traces_with_their_spans_in_the_ring()
    {
        var (original, ctx) = Initialised();
        var a = new TraceAssembler(original);
        for (ulong t = 1; t <= 3; t++)
        {
            for (ulong s = 1; s <= 4; s++) a.Add(Child(_strings, Tid(t), t * 10 + s), 0, T0Wall, _out);
        }
        original.Flush(); // a commit: the three traces are in the changelog before they are emitted
        a.CompleteDue(10_000, T0Wall, _out); // 1..3 emitted: tombstones
        a.Add(Child(_strings, Tid(4), 41), 10_000, T0Wall, _out); // still open
        original.Flush();

        var (restored, ctx2) = Initialised();
        ctx2.Replay(ctx.Changelog.Records);

        Assert.Equal(3, restored.RetainedTraceCount);
        Assert.Equal(12, restored.Ring.LiveCount);
        Assert.Equal(original.RetainedBytes, restored.RetainedBytes);
        Assert.Equal(1, restored.OpenSpanCount);

        _out.Clear();
        var b = new TraceAssembler(restored);
        b.Add(Child(_strings, Tid(2), 29), 10_001, T0Wall, _out);
        b.CompleteDue(30_000, T0Wall, _out);
        Trace rev1 = _out.Single(t => t.TraceId == Tid(2));
        Assert.Equal(1, rev1.Revision);
        Assert.Equal(new ulong[] { 21, 22, 23, 24, 29 }, SpanIds(rev1));
        Assert.False(rev1.Truncated);
    }

    private (OpenTraceStore Store, FakeStateStoreContext Context) Initialised()
    {
        var store = Store(Config(), _strings);
        var ctx = new FakeStateStoreContext();
        store.Init(ctx);
        return (store, ctx);
    }

    private static ModelSpan Numbered(ulong id) => new() { TraceId = Tid(1), SpanId = new SpanId(id), StartUnixNanos = (long)id };

    private static ulong[] Ids(ModelSpan[] spans) => spans.Select(s => s.SpanId.Value).ToArray();

    private static ulong[] Ids(RetentionRing ring, int position, int count)
    {
        var ids = new ulong[count];
        for (int i = 0; i < count; i++) ids[i] = ring.At(position, i).SpanId.Value;
        return ids;
    }
}
