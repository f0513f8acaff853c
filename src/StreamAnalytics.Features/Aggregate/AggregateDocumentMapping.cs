namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// What an emitted series becomes: the <see cref="AggregateDocument"/> of one window, kind, dimension and partition,
/// with the sketch's quantiles read once here.
/// </summary>
internal static class AggregateDocumentMapping
{
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
            P50 = sketch.GetQuantile(0.5),
            P90 = sketch.GetQuantile(0.9),
            P99 = sketch.GetQuantile(0.99),
            MeanSpanCount = rootOperation && s.Count > 0 ? (double)s.SpanCountSum / s.Count : null,
            MeanDepth = rootOperation && s.Count > 0 ? (double)s.DepthSum / s.Count : null,
            BucketBounds = s.Histogram.UpperBounds,
            BucketCounts = s.Histogram.Counts.ToArray(),
            Sketch = sketch.ToBase64(),
            Partition = partition,
        };
    }
}
