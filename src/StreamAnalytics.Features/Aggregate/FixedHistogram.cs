using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// Counts per fixed, documented bucket: what dashboards that cannot decode a sketch (Kibana, plain ES aggregations)
/// read. Bucket <c>i</c> counts values ≤ <see cref="UpperBounds"/>[i] and above the previous bound; the last count
/// (index <c>UpperBounds.Length</c>) is the +Inf bucket. Counts are per bucket, not cumulative.
/// </summary>
/// <remarks>Not thread-safe. Two histograms merge only when their bounds are the same array contents.</remarks>
public sealed class FixedHistogram
{
    /// <summary>
    /// Latency bounds in microseconds: 1, 2.5, 5, 10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10, 30, 60 s
    /// (the same edges, in seconds, as the Prometheus latency histograms of <c>docs/METRICS.md</c>).
    /// </summary>
    public static IReadOnlyList<double> DurationBoundsUs { get; } =
        [1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000];

    /// <summary>Spans-per-trace bounds: 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000.</summary>
    public static IReadOnlyList<double> SpanCountBounds { get; } = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000];

    /// <summary>Beyond this many bounds <see cref="Add"/> binary-searches instead of comparing against every bound.</summary>
    private const int MaxCountedBounds = 32;

    // Every aggregate series has a histogram over one of the documented lists: they share one copy of the bounds, which
    // then stays in cache, instead of two arrays per series.
    private static readonly Layout DurationLayout = new(DurationBoundsUs);
    private static readonly Layout SpanCountLayout = new(SpanCountBounds);

    private readonly Layout _layout;
    private readonly long[] _counts;

    /// <summary>Creates an empty histogram over strictly increasing, finite <paramref name="upperBounds"/>.</summary>
    public FixedHistogram(IReadOnlyList<double> upperBounds)
    {
        ArgumentNullException.ThrowIfNull(upperBounds);
        _layout = ReferenceEquals(upperBounds, DurationBoundsUs) ? DurationLayout
            : ReferenceEquals(upperBounds, SpanCountBounds) ? SpanCountLayout
            : new Layout(upperBounds);
        _counts = new long[_layout.Bounds.Length + 1];
    }

    /// <summary>The finite upper bounds (inclusive).</summary>
    public IReadOnlyList<double> UpperBounds => _layout.ReadOnlyBounds;

    /// <summary>Per-bucket counts; the last is +Inf.</summary>
    public IReadOnlyList<long> Counts => _counts;

    /// <summary>Counts <paramref name="value"/> <paramref name="count"/> times.</summary>
    public void Add(double value, long count = 1) => _counts[BucketOf(value)] += count;

    /// <summary>
    /// The index of the first bound ≥ <paramref name="value"/> (a value equal to a bound belongs to that bucket, like
    /// Prometheus' <c>le</c>); <see cref="UpperBounds"/>.Length for larger values and 0 for NaN.
    /// </summary>
    internal int BucketOf(double value)
    {
        if (_layout.CountedBounds is { } counted)
        {
            // The bounds increase, so that index is the number of bounds below the value. Counting them a vector at a
            // time has no data-dependent branch; a binary search mispredicts about every other step on latencies.
            var v = Vector256.Create(value);
            ref double first = ref MemoryMarshal.GetArrayDataReference(counted);
            int below = 0;
            for (int i = 0; i < counted.Length; i += Vector256<double>.Count)
                below += BitOperations.PopCount(Vector256.LessThan(Vector256.LoadUnsafe(ref first, (nuint)i), v).ExtractMostSignificantBits());
            return below;
        }
        double[] bounds = _layout.Bounds;
        int lo = 0, hi = bounds.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (bounds[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Adds <paramref name="other"/>'s counts.</summary>
    /// <exception cref="ArgumentException">Different bounds.</exception>
    public void Merge(FixedHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!_layout.Bounds.AsSpan().SequenceEqual(other._layout.Bounds)) throw new ArgumentException("histogram bounds differ", nameof(other));
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
    }

    internal void SetCount(int bucket, long count) => _counts[bucket] = count;

    /// <summary>Validated bounds, read-only to callers, and the padded copy <see cref="BucketOf"/> compares against.</summary>
    private sealed class Layout
    {
        public Layout(IReadOnlyList<double> upperBounds)
        {
            Bounds = new double[upperBounds.Count];
            for (int i = 0; i < Bounds.Length; i++)
            {
                double b = upperBounds[i];
                if (!double.IsFinite(b) || (i > 0 && b <= Bounds[i - 1]))
                    throw new ArgumentException("histogram bounds must be finite and strictly increasing", nameof(upperBounds));
                Bounds[i] = b;
            }
            ReadOnlyBounds = Array.AsReadOnly(Bounds);
            if (Bounds.Length <= MaxCountedBounds)
            {
                int width = Vector256<double>.Count;
                CountedBounds = new double[(Bounds.Length + width - 1) / width * width];
                CountedBounds.AsSpan().Fill(double.PositiveInfinity); // never below a value, so padding counts nothing
                Bounds.CopyTo(CountedBounds, 0);
            }
        }

        public double[] Bounds { get; }

        public IReadOnlyList<double> ReadOnlyBounds { get; }

        /// <summary><see cref="Bounds"/>, then +∞ up to a whole number of vectors; null beyond <see cref="MaxCountedBounds"/>.</summary>
        public double[]? CountedBounds { get; }
    }
}
