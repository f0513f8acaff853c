using StreamAnalytics.Features.Extract.Collections;

namespace StreamAnalytics.Features.Tests.Extract.Collections;

public class DenseKeyTableTests
{
    [Fact]
    public void Keys_are_numbered_in_order_of_first_appearance_zero_and_negatives_included()
    {
        var table = new DenseKeyTable();
        Assert.Equal(0, table.GetOrAdd(0));
        Assert.Equal(1, table.GetOrAdd(-1));
        Assert.Equal(0, table.GetOrAdd(0));
        Assert.Equal(2, table.GetOrAdd(long.MinValue));
        Assert.Equal(1, table.GetOrAdd(-1));
        Assert.Equal(3, table.Count);
        Assert.Equal(long.MinValue, table.KeyAt(2));
    }

    [Fact]
    public void Packed_pairs_that_differ_in_one_half_stay_distinct_through_growth()
    {
        var table = new DenseKeyTable();
        var expected = new Dictionary<long, int>();
        for (int a = 0; a < 40; a++)
        {
            for (int b = 0; b < 40; b++)
            {
                long key = ((long)a << 32) | (uint)b;
                int n = table.GetOrAdd(key);
                if (!expected.TryAdd(key, n)) Assert.Equal(expected[key], n);
                else Assert.Equal(expected.Count - 1, n);
            }
        }
        foreach (var (key, n) in expected)
        {
            Assert.Equal(n, table.GetOrAdd(key));
            Assert.Equal(key, table.KeyAt(n));
        }
        Assert.Equal(1600, table.Count);
    }

    [Fact]
    public void Clear_forgets_the_keys_and_numbering_restarts()
    {
        var table = new DenseKeyTable();
        for (long k = 0; k < 100; k++) table.GetOrAdd(k * 7919);
        table.Clear();
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.GetOrAdd(99 * 7919));
        Assert.Equal(1, table.GetOrAdd(0));
    }

    [Fact]
    public void A_table_grown_by_a_huge_trace_is_dropped_by_TrimTo()
    {
        var table = new DenseKeyTable();
        for (long k = 0; k < 5000; k++) table.GetOrAdd(k);
        Assert.True(table.Capacity >= 10_000);

        table.TrimTo(4096);

        Assert.True(table.Capacity <= 4096);
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.GetOrAdd(4999));
    }
}
