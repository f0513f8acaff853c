namespace StreamAnalytics.Features.Extract.Tree;

/// <summary>
/// Sorts a short segment of keys with their items exactly as <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/>
/// does, equal keys included, but without its per-call cost, which dominated when sorting a trace's children one
/// parent at a time (most parents have two or three children).
/// </summary>
/// <remarks>
/// Array.Sort is not stable. The critical path breaks ties between children that end at the same microsecond itself
/// (by start time, as Jaeger UI does), so its result no longer depends on that order; keeping Array.Sort's exact
/// order anyway means any other caller gets the same answer from either. For up to
/// <see cref="InlineLimit"/> keys the runtime's introsort does no partitioning: two keys are compared and swapped,
/// three go through a fixed compare-and-swap network (which can reorder equal keys), more are insertion-sorted
/// (stable). That is reproduced here; longer segments go to Array.Sort itself. SegmentSortTests checks the two
/// agree on random segments full of ties, so a runtime that changes its algorithm fails a test instead of documents.
/// </remarks>
internal static class SegmentSort
{
    /// <summary>The runtime's introsort threshold: segments up to this length are never partitioned.</summary>
    public const int InlineLimit = 16;

    /// <summary>Sorts <c>keys[lo..lo+length)</c> ascending, moving <c>items</c> along.</summary>
    public static void Sort<TItem>(long[] keys, TItem[] items, int lo, int length)
    {
        if (length <= 1) return;
        if (length > InlineLimit)
        {
            Array.Sort(keys, items, lo, length);
            return;
        }
        Span<long> k = keys.AsSpan(lo, length);
        Span<TItem> v = items.AsSpan(lo, length);
        if (length == 2)
        {
            SwapIfGreater(k, v, 0, 1);
        }
        else if (length == 3)
        {
            SwapIfGreater(k, v, 0, 1);
            SwapIfGreater(k, v, 0, 2);
            SwapIfGreater(k, v, 1, 2);
        }
        else
        {
            for (int i = 1; i < k.Length; i++)
            {
                long key = k[i];
                TItem item = v[i];
                int j = i - 1;
                while (j >= 0 && key < k[j])
                {
                    k[j + 1] = k[j];
                    v[j + 1] = v[j];
                    j--;
                }
                k[j + 1] = key;
                v[j + 1] = item;
            }
        }
    }

    private static void SwapIfGreater<TItem>(Span<long> k, Span<TItem> v, int i, int j)
    {
        if (k[i] <= k[j]) return;
        (k[i], k[j]) = (k[j], k[i]);
        (v[i], v[j]) = (v[j], v[i]);
    }
}
