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

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(15)]
    [InlineData(32)]
    [InlineData(33)] // beyond the counted bounds: binary search
    [InlineData(200)]
    public void Each_value_lands_in_the_bucket_of_the_first_bound_not_below_it(int boundCount)
    {
        var random = new Random(boundCount);
        var bounds = new double[boundCount];
        for (int i = 0; i < boundCount; i++) bounds[i] = (i == 0 ? -50 : bounds[i - 1]) + 1 + random.Next(100);
        var h = new FixedHistogram(bounds);

        var values = new List<double> { double.NaN, double.NegativeInfinity, double.PositiveInfinity, 0.0, -0.0, double.MaxValue, double.MinValue };
        foreach (double b in bounds) values.AddRange([b, Math.BitDecrement(b), Math.BitIncrement(b)]);
        for (int i = 0; i < 1000; i++) values.Add(random.NextDouble() * (bounds[^1] + 100) - 100);
        foreach (double v in values)
        {
            int expected = 0;
            while (expected < bounds.Length && bounds[expected] < v) expected++;
            Assert.Equal(expected, h.BucketOf(v));
        }
    }

    [Fact]
    public void The_documented_bounds_put_each_bound_in_its_own_bucket()
    {
        foreach (var bounds in new[] { FixedHistogram.DurationBoundsUs, FixedHistogram.SpanCountBounds })
        {
            var h = new FixedHistogram(bounds);
            foreach (double b in bounds) h.Add(b);
            h.Add(Math.BitIncrement(bounds[^1]));
            Assert.All(h.Counts, c => Assert.Equal(1, c));
        }
    }
}
