using System.Buffers;
using StreamAnalytics.Features.Internal;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// The running figures of one series in one window. Also the changelog value: <see cref="WriteTo"/> /
/// <see cref="Read"/> round-trip it exactly.
/// </summary>
internal sealed class AggregateState
{
    private const byte FormatVersion = 1;

    public AggregateState(AggregateKey key, AggregateConfig config)
    {
        Key = key;
        Sketch = new DDSketch(config.SketchRelativeAccuracy, config.SketchMaxBuckets);
        Histogram = new FixedHistogram(key.Kind == AggregateKind.SpanCount ? FixedHistogram.SpanCountBounds : FixedHistogram.DurationBoundsUs);
    }

    /// <summary>The series' key in its window (the overflow key for an overflow series).</summary>
    public AggregateKey Key { get; }

    /// <summary>Spans (operation), calls (edge) or traces (the other kinds).</summary>
    public long Count;

    /// <summary>Error spans, failed calls or error traces (see <see cref="WindowedAggregator"/>).</summary>
    public long ErrorCount;

    /// <summary>rootOperation only: sum of the traces' span counts, for the mean.</summary>
    public long SpanCountSum;

    /// <summary>rootOperation only: sum of the traces' depths, for the mean.</summary>
    public long DepthSum;

    public DDSketch Sketch;

    public FixedHistogram Histogram;

    /// <summary>Changed since the last changelog write.</summary>
    public bool Dirty;

    /// <summary>A changelog record exists for it (so emitting its window needs a tombstone).</summary>
    public bool Logged;

    /// <summary>Its window was emitted; a pending dirty entry is then obsolete.</summary>
    public bool Emitted;

    public void Record(double value, long count = 1)
    {
        Sketch.Add(value, count);
        Histogram.Add(value, count);
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        Span<byte> head = output.GetSpan(1 + 4 * 10 + 5);
        int p = 0;
        head[p++] = FormatVersion;
        p += Varint.Write(head[p..], (ulong)Count);
        p += Varint.Write(head[p..], (ulong)ErrorCount);
        p += Varint.Write(head[p..], (ulong)SpanCountSum);
        p += Varint.Write(head[p..], (ulong)DepthSum);
        p += Varint.Write(head[p..], (ulong)Histogram.Counts.Count);
        output.Advance(p);
        for (int i = 0; i < Histogram.Counts.Count; i++)
        {
            Span<byte> dst = output.GetSpan(10);
            output.Advance(Varint.Write(dst, (ulong)Histogram.Counts[i]));
        }
        Sketch.WriteTo(output);
    }

    /// <exception cref="FormatException">Not a state of a known version, or its histogram does not match the kind.</exception>
    public static AggregateState Read(AggregateKey key, AggregateConfig config, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes[0] != FormatVersion) throw new FormatException("aggregate state: unknown format version");
        var state = new AggregateState(key, config);
        int p = 1;
        state.Count = (long)Varint.Read(bytes, ref p);
        state.ErrorCount = (long)Varint.Read(bytes, ref p);
        state.SpanCountSum = (long)Varint.Read(bytes, ref p);
        state.DepthSum = (long)Varint.Read(bytes, ref p);
        int buckets = (int)Math.Min(int.MaxValue, Varint.Read(bytes, ref p));
        if (buckets != state.Histogram.Counts.Count)
            throw new FormatException($"aggregate state: {buckets} histogram buckets, expected {state.Histogram.Counts.Count} for {AggregateKindNames.Of(key.Kind)}");
        for (int i = 0; i < buckets; i++) state.Histogram.SetCount(i, (long)Varint.Read(bytes, ref p));
        state.Sketch = DDSketch.FromBytes(bytes[p..]);
        return state;
    }
}
