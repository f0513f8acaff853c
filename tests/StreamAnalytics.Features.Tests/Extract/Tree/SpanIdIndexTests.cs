using StreamAnalytics.Features.Extract.Tree;

namespace StreamAnalytics.Features.Tests.Extract.Tree;

public class SpanIdIndexTests
{
    [Fact]
    public void Zero_is_an_ordinary_id()
    {
        var index = new SpanIdIndex();
        index.Clear(4);

        Assert.Equal(-1, index.Find(0));
        Assert.Equal(-1, index.AddOrGet(0, 3));
        Assert.Equal(3, index.Find(0));
        Assert.Equal(3, index.AddOrGet(0, 5));
        Assert.Equal(-1, index.Find(1));
    }

    [Fact]
    public void Colliding_ids_are_all_found()
    {
        // Same low half, same high half, and ids equal after folding (x ^ x >> 32): all probe the same home slot
        // or cluster, and must still resolve to their own index.
        ulong[] ids = [1UL << 32, 2UL << 32, 3UL << 32, 0x0000_0001_0000_0001UL, 0, 1, 0xFFFF_FFFF_FFFF_FFFFUL, 0x8000_0000_0000_0000UL];
        var index = new SpanIdIndex();
        index.Clear(ids.Length);
        for (int i = 0; i < ids.Length; i++) Assert.Equal(-1, index.AddOrGet(ids[i], i));
        for (int i = 0; i < ids.Length; i++) Assert.Equal(i, index.Find(ids[i]));
        Assert.Equal(-1, index.Find(4UL << 32));
    }

    [Fact]
    public void Set_replaces_the_index_of_an_id()
    {
        var index = new SpanIdIndex();
        index.Clear(2);
        index.AddOrGet(7, 0);
        index.AddOrGet(7 + (16UL << 32), 1);
        index.Set(7, 1);
        Assert.Equal(1, index.Find(7));
        Assert.Equal(1, index.Find(7 + (16UL << 32)));
    }

    [Fact]
    public void Clear_forgets_every_id_even_when_the_table_is_reused_smaller()
    {
        var index = new SpanIdIndex();
        index.Clear(1000);
        for (int i = 0; i < 1000; i++) index.AddOrGet((ulong)i * 0x9E37_79B9UL, i);
        int capacity = index.Capacity;

        index.Clear(3);
        Assert.Equal(capacity, index.Capacity);
        for (int i = 0; i < 1000; i++) Assert.Equal(-1, index.Find((ulong)i * 0x9E37_79B9UL));
        Assert.Equal(-1, index.AddOrGet(5, 0));
        Assert.Equal(0, index.Find(5));
    }

    [Fact]
    public void Agrees_with_a_dictionary_on_random_ids_with_repeats()
    {
        var rng = new Random(7);
        var index = new SpanIdIndex();
        for (int round = 0; round < 50; round++)
        {
            int n = rng.Next(0, 3000);
            index.Clear(n);
            var expected = new Dictionary<ulong, int>();
            for (int i = 0; i < n; i++)
            {
                // A small id space forces repeats; shifting by 32 forces equal low halves.
                ulong id = (ulong)rng.Next(0, n + 1) << (rng.Next(2) * 32);
                int got = index.AddOrGet(id, i);
                if (expected.TryGetValue(id, out int first)) Assert.Equal(first, got);
                else
                {
                    Assert.Equal(-1, got);
                    expected[id] = i;
                }
            }
            foreach (var (id, i) in expected) Assert.Equal(i, index.Find(id));
        }
    }

    [Fact]
    public void A_huge_trace_does_not_leave_its_table_behind()
    {
        var tree = new TraceTree();
        var spans = new StreamAnalytics.Formats.Model.Span[TraceTree.RetainedCapacity + 1];
        for (int i = 0; i < spans.Length; i++) spans[i].SpanId = new StreamAnalytics.Formats.Model.SpanId((ulong)i + 1);
        tree.Build(spans);
        Assert.True(tree.IdIndexCapacity > TraceTree.RetainedCapacity);
        tree.Release();
        Assert.Equal(0, tree.IdIndexCapacity);
    }
}
