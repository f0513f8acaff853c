namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// What an emitted series becomes: the <see cref="AggregateDocument"/> of one window, kind, dimension and partition,
/// with the sketch's quantiles read once here.
/// </summary>
internal static class AggregateDocumentMapping
{
    /// <summary>
    /// A sketch quantile rounded to the digits its relative accuracy supports (1 % → 3 significant digits, so
    /// <c>134637.83</c> becomes <c>135000</c>): more digits would only be noise, and look like precision.
    /// </summary>
    internal static double RoundToAccuracy(double value, double relativeAccuracy)
    {
        if (!double.IsFinite(value) || value == 0) return value;
        int digits = (int)Math.Ceiling(-Math.Log10(relativeAccuracy)) + 1;
        int magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value))) + 1;
        int decimals = digits - magnitude;
        if (decimals >= 0) return Math.Round(value, Math.Min(decimals, 15), MidpointRounding.AwayFromZero);
        double scale = Math.Pow(10, -decimals);
        return Math.Round(value / scale, MidpointRounding.AwayFromZero) * scale;
    }

    internal static AggregateDocument ToDocument(long windowStart, long windowEnd, AggregateKey key, AggregateState s, int partition)
    {
        var sketch = s.Sketch;
        bool rootOperation = key.Kind == AggregateKind.RootOperation;
        return new AggregateDocument
        {
            WindowStartMs = windowStart,
            WindowEndMs = windowEnd,
            Kind = key.Kind,
            Key = key,
            Count = s.Count,
            ErrorCount = s.ErrorCount,
            Unit = key.Kind == AggregateKind.SpanCount ? "spans" : "us",
            Sum = sketch.Sum,
            Min = sketch.Min,
            Max = sketch.Max,
            P50 = RoundToAccuracy(sketch.GetQuantile(0.5), sketch.RelativeAccuracy),
            P90 = RoundToAccuracy(sketch.GetQuantile(0.9), sketch.RelativeAccuracy),
            P99 = RoundToAccuracy(sketch.GetQuantile(0.99), sketch.RelativeAccuracy),
            MeanSpanCount = rootOperation && s.Count > 0 ? (double)s.SpanCountSum / s.Count : null,
            MeanDepth = rootOperation && s.Count > 0 ? (double)s.DepthSum / s.Count : null,
            BucketBounds = s.Histogram.UpperBounds,
            BucketCounts = s.Histogram.Counts.ToArray(),
            Sketch = sketch.ToBase64(),
            Partition = partition,
        };
    }
}
