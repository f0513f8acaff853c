using StreamAnalytics.Features.Extract.Tree;

namespace StreamAnalytics.Features.Tests.Extract.Tree;

public class SegmentSortTests
{
    [Fact]
    public void Leaves_equal_keys_in_the_same_order_as_Array_Sort()
    {
        // The critical path breaks ties between children ending at the same time by this order, so it must match the
        // Array.Sort the documents were made with, not merely be sorted.
        var rng = new Random(11);
        for (int round = 0; round < 20_000; round++)
        {
            int length = rng.Next(0, 40);
            int lo = rng.Next(0, 3);
            int distinct = rng.Next(1, 6); // few distinct keys: many ties
            var keys = new long[lo + length + 2];
            var items = new int[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = rng.Next(distinct) - 1;
                items[i] = i;
            }
            long[] expectedKeys = (long[])keys.Clone();
            int[] expectedItems = (int[])items.Clone();
            Array.Sort(expectedKeys, expectedItems, lo, length);

            SegmentSort.Sort(keys, items, lo, length);

            Assert.Equal(expectedKeys, keys);
            Assert.Equal(expectedItems, items);
        }
    }

    [Fact]
    public void Three_equal_keys_after_a_smaller_one_move_as_the_runtime_moves_them()
    {
        // (5a, 5b, 3) → (3, 5b, 5a): the three-key network is not stable.
        long[] keys = [5, 5, 3];
        int[] items = [0, 1, 2];
        SegmentSort.Sort(keys, items, 0, 3);
        Assert.Equal([3L, 5, 5], keys);
        Assert.Equal([2, 1, 0], items);
    }
}
