using StreamAnalytics.Features.Aggregate;

namespace StreamAnalytics.Features.Tests.Aggregate;

public class FixedHistogramTests
{
    [Fact]
    public void A_value_equal_to_a_bound_counts_in_that_bucket_and_larger_values_in_the_last()
    {
        var h = new FixedHistogram([10, 20]);
        h.Add(10);
        h.Add(10.5);
        h.Add(0);
        h.Add(1e9, 3);
        Assert.Equal([2L, 1L, 3L], h.Counts);
    }

    [Fact]
    public void Histograms_with_different_bounds_do_not_merge()
    {
        Assert.Throws<ArgumentException>(() => new FixedHistogram([1, 2]).Merge(new FixedHistogram([1, 3])));
        Assert.Throws<ArgumentException>(() => new FixedHistogram([2, 1]));
    }
}
