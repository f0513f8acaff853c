using System.Buffers;
using System.Buffers.Binary;
using StreamAnalytics.Features.Internal;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// A mergeable quantile sketch with a relative-error guarantee (DDSketch, Masson, Rim and Lee, VLDB 2019): every
/// quantile it returns is within <see cref="RelativeAccuracy"/> of the true value at that rank, for any data, and two
/// sketches with the same accuracy merge into exactly the sketch of the union. That is what lets aggregates from
/// several windows, partitions and instances be combined later (in Elasticsearch or offline) without losing accuracy.
/// </summary>
/// <remarks>
/// <para>Index mapping: logarithmic. With γ = (1+α)/(1−α), a positive value x falls in bucket i = ⌈log_γ x⌉, which
/// covers (γ^(i−1), γ^i]; the bucket is represented by 2γ^i/(γ+1), which is within α of every value in it. Values at or
/// below <see cref="MinIndexableValue"/> (and negative values, which durations never are) are counted in a zero bucket.</para>
/// <para>Store: a dense array over the occupied index range, bounded by <see cref="MaxBuckets"/>. When a value would
/// widen the range beyond that, the lowest buckets are collapsed into the lowest kept one and
/// <see cref="CollapsedCount"/> counts the values moved: accuracy is then only lost for the lowest quantiles, which
/// latency analysis cares least about. With α = 0.01 the default 2048 buckets span about 18 orders of magnitude, so
/// collapsing needs pathological input.</para>
/// <para>Not thread-safe: one owner (a window aggregate) mutates it.</para>
/// </remarks>
public sealed class DDSketch
{
    /// <summary>The default relative accuracy α (1 %).</summary>
    public const double DefaultRelativeAccuracy = 0.01;

    /// <summary>The default bound on the number of buckets.</summary>
    public const int DefaultMaxBuckets = 2048;

    /// <summary>Values at or below this go to the zero bucket (durations of 0 µs are common).</summary>
    public const double MinIndexableValue = 1e-9;

    private const byte FormatVersion = 1;

    private readonly double _gamma;
    private readonly double _multiplier; // 1 / ln γ
    private long[] _bins = [];
    private int _offset; // _bins[k] counts index _offset + k
    private int _minIndex = int.MaxValue; // the covered range; every non-zero bin lies within it
    private int _maxIndex = int.MinValue;

    /// <summary>Creates an empty sketch.</summary>
    /// <param name="relativeAccuracy">α, in (0, 1); config key <c>aggregate.sketch.relative.accuracy</c>.</param>
    /// <param name="maxBuckets">Bound on buckets (at least 16); config key <c>aggregate.sketch.max.buckets</c>.</param>
    public DDSketch(double relativeAccuracy = DefaultRelativeAccuracy, int maxBuckets = DefaultMaxBuckets)
    {
        if (!(relativeAccuracy > 0 && relativeAccuracy < 1))
            throw new ArgumentOutOfRangeException(nameof(relativeAccuracy), relativeAccuracy, "aggregate.sketch.relative.accuracy must be in (0, 1)");
        if (maxBuckets < 16)
            throw new ArgumentOutOfRangeException(nameof(maxBuckets), maxBuckets, "aggregate.sketch.max.buckets must be at least 16");
        RelativeAccuracy = relativeAccuracy;
        MaxBuckets = maxBuckets;
        _gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
        _multiplier = 1 / Math.Log(_gamma);
        Min = double.PositiveInfinity;
        Max = double.NegativeInfinity;
    }

    /// <summary>α: the bound on |estimate − true| / true for every quantile.</summary>
    public double RelativeAccuracy { get; }

    /// <summary>The most buckets this sketch keeps.</summary>
    public int MaxBuckets { get; }

    /// <summary>Values added (including merged ones).</summary>
    public long Count { get; private set; }

    /// <summary>Values in the zero bucket.</summary>
    public long ZeroCount { get; private set; }

    /// <summary>Exact sum of the values added.</summary>
    public double Sum { get; private set; }

    /// <summary>Exact minimum (+∞ when empty).</summary>
    public double Min { get; private set; }

    /// <summary>Exact maximum (−∞ when empty).</summary>
    public double Max { get; private set; }

    /// <summary>Values moved into a higher bucket because <see cref="MaxBuckets"/> was reached.</summary>
    public long CollapsedCount { get; private set; }

    /// <summary>True when nothing was added.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Adds <paramref name="value"/> <paramref name="count"/> times.</summary>
    public void Add(double value, long count = 1)
    {
        if (count <= 0) return;
        if (value > MinIndexableValue)
        {
            int index = Index(value);
            // Usually within the covered range already: only widening it (or collapsing) needs Cover.
            if (index < _minIndex || index > _maxIndex) index = Cover(index);
            _bins[index - _offset] += count;
        }
        else
        {
            if (double.IsNaN(value)) throw new ArgumentException("a sketch cannot hold NaN", nameof(value));
            ZeroCount += count;
        }
        Count += count;
        Sum += value * count;
        if (value < Min) Min = value;
        if (value > Max) Max = value;
    }

    /// <summary>Adds every value of <paramref name="other"/>; the result equals the sketch of the union.</summary>
    /// <exception cref="ArgumentException">The sketches have different relative accuracies (their buckets differ).</exception>
    public void Merge(DDSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.RelativeAccuracy != RelativeAccuracy)
            throw new ArgumentException($"cannot merge a sketch with relative accuracy {other.RelativeAccuracy} into one with {RelativeAccuracy}", nameof(other));
        if (other.IsEmpty) return;
        for (int i = other._minIndex; i <= other._maxIndex; i++)
        {
            long c = other._bins[i - other._offset];
            if (c == 0) continue;
            int index = Cover(i);
            _bins[index - _offset] += c;
        }
        ZeroCount += other.ZeroCount;
        Count += other.Count;
        Sum += other.Sum;
        CollapsedCount += other.CollapsedCount;
        if (other.Min < Min) Min = other.Min;
        if (other.Max > Max) Max = other.Max;
    }

    /// <summary>
    /// The value at rank ⌊q·(Count−1)⌋ of the sorted input, within <see cref="RelativeAccuracy"/>; NaN when empty.
    /// </summary>
    public double GetQuantile(double q)
    {
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "quantile must be in [0, 1]");
        if (Count == 0) return double.NaN;
        double rank = q * (Count - 1);
        if (rank < ZeroCount) return Math.Clamp(0.0, Min, Max);
        double cumulative = ZeroCount;
        for (int i = _minIndex; i <= _maxIndex; i++)
        {
            cumulative += _bins[i - _offset];
            if (cumulative > rank)
            {
                // Clamping to the exact extremes only moves the estimate closer to the true value.
                return Math.Clamp(Value(i), Min, Max);
            }
        }
        return Max;
    }

    /// <summary>Number of non-empty buckets (the memory cost, roughly).</summary>
    public int BucketCount
    {
        get
        {
            int n = 0;
            for (int i = _minIndex; i <= _maxIndex; i++) if (_bins[i - _offset] != 0) n++;
            return n;
        }
    }

    private int Index(double value) => (int)Math.Ceiling(Math.Log(value) * _multiplier);

    private double Value(int index) => 2 * Math.Pow(_gamma, index) / (_gamma + 1);

    /// <summary>Makes the store cover <paramref name="index"/>; returns the index to count in (collapsed when needed).</summary>
    private int Cover(int index)
    {
        if (_minIndex > _maxIndex)
        {
            Allocate(index, index);
            _minIndex = _maxIndex = index;
            return index;
        }
        if (index >= _minIndex && index <= _maxIndex) return index;

        int newMin = Math.Min(_minIndex, index);
        int newMax = Math.Max(_maxIndex, index);
        if ((long)newMax - newMin + 1 > MaxBuckets)
        {
            newMin = newMax - MaxBuckets + 1;
            if (index < newMin)
            {
                index = newMin;
                CollapsedCount++;
            }
            if (_minIndex < newMin)
            {
                long moved = 0;
                int last = Math.Min(newMin - 1, _maxIndex);
                for (int i = _minIndex; i <= last; i++)
                {
                    moved += _bins[i - _offset];
                    _bins[i - _offset] = 0;
                }
                Allocate(newMin, newMax);
                _minIndex = Math.Max(_minIndex, newMin);
                _maxIndex = Math.Max(_maxIndex, newMin);
                _bins[newMin - _offset] += moved;
                CollapsedCount += moved;
            }
        }
        Allocate(newMin, newMax);
        _minIndex = newMin;
        _maxIndex = newMax;
        return index;
    }

    /// <summary>Ensures the array spans [lo, hi], keeping the counts in the covered range that overlaps it.</summary>
    private void Allocate(int lo, int hi)
    {
        if (_bins.Length > 0 && lo >= _offset && hi < _offset + _bins.Length) return;
        int needed = hi - lo + 1;
        // Slack on both sides so that a slowly widening range does not copy on every add.
        int length = (int)Math.Min(MaxBuckets, Math.Max(32L, needed + (long)needed / 2 + 16));
        int offset = lo - (length - needed) / 2;
        var bins = new long[length];
        if (_minIndex <= _maxIndex)
        {
            int from = Math.Max(_minIndex, lo), to = Math.Min(_maxIndex, hi);
            for (int i = from; i <= to; i++) bins[i - offset] = _bins[i - _offset];
        }
        _bins = bins;
        _offset = offset;
    }

    /// <summary>
    /// Writes the compact binary form: version, α, max buckets, zero count, sum/min/max, first index and the
    /// contiguous bucket counts as varints (empty buckets inside the range cost one byte).
    /// </summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int first = _minIndex, last = _maxIndex;
        while (first <= last && _bins[first - _offset] == 0) first++;
        while (last >= first && _bins[last - _offset] == 0) last--;
        int binCount = first <= last ? last - first + 1 : 0;

        Span<byte> head = output.GetSpan(1 + 8 + 5 + 10 + 10 + 24 + 5 + 5);
        int p = 0;
        head[p++] = FormatVersion;
        BinaryPrimitives.WriteDoubleLittleEndian(head[p..], RelativeAccuracy); p += 8;
        p += Varint.Write(head[p..], (ulong)MaxBuckets);
        p += Varint.Write(head[p..], (ulong)ZeroCount);
        p += Varint.Write(head[p..], (ulong)CollapsedCount);
        BinaryPrimitives.WriteDoubleLittleEndian(head[p..], Sum); p += 8;
        BinaryPrimitives.WriteDoubleLittleEndian(head[p..], Min); p += 8;
        BinaryPrimitives.WriteDoubleLittleEndian(head[p..], Max); p += 8;
        p += Varint.Write(head[p..], Varint.ZigZag(binCount == 0 ? 0 : first));
        p += Varint.Write(head[p..], (ulong)binCount);
        output.Advance(p);
        for (int i = 0; i < binCount; i++)
        {
            Span<byte> dst = output.GetSpan(10);
            output.Advance(Varint.Write(dst, (ulong)_bins[first + i - _offset]));
        }
    }

    /// <summary>The binary form as a new array.</summary>
    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The binary form in base64, as stored in aggregate documents.</summary>
    public string ToBase64() => Convert.ToBase64String(ToBytes());

    /// <summary>Reads the form written by <see cref="WriteTo"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a sketch of a known version.</exception>
    public static DDSketch FromBytes(ReadOnlySpan<byte> bytes)
    {
        int p = 0;
        if (bytes.Length < 9 || bytes[0] != FormatVersion)
            throw new FormatException($"DDSketch: expected format version {FormatVersion}, got {(bytes.Length == 0 ? "no bytes" : bytes[0].ToString())}");
        p = 1;
        double alpha = BinaryPrimitives.ReadDoubleLittleEndian(bytes[p..]); p += 8;
        ulong maxBuckets = Varint.Read(bytes, ref p);
        if (!(alpha > 0 && alpha < 1) || maxBuckets < 16 || maxBuckets > int.MaxValue)
            throw new FormatException($"DDSketch: invalid parameters (alpha {alpha}, max buckets {maxBuckets})");
        var sketch = new DDSketch(alpha, (int)maxBuckets);
        long zero = checked((long)Varint.Read(bytes, ref p));
        long collapsed = checked((long)Varint.Read(bytes, ref p));
        if (bytes.Length - p < 24) throw new FormatException("DDSketch: truncated");
        double sum = BinaryPrimitives.ReadDoubleLittleEndian(bytes[p..]); p += 8;
        double min = BinaryPrimitives.ReadDoubleLittleEndian(bytes[p..]); p += 8;
        double max = BinaryPrimitives.ReadDoubleLittleEndian(bytes[p..]); p += 8;
        long first = Varint.UnZigZag(Varint.Read(bytes, ref p));
        ulong binCount = Varint.Read(bytes, ref p);
        if (binCount > maxBuckets || first < int.MinValue || first + (long)binCount - 1 > int.MaxValue)
            throw new FormatException($"DDSketch: {binCount} buckets from index {first} do not fit");
        long count = zero;
        if (binCount > 0)
        {
            int lo = (int)first, hi = (int)(first + (long)binCount - 1);
            sketch.Allocate(lo, hi);
            sketch._minIndex = lo;
            sketch._maxIndex = hi;
            for (int i = lo; i <= hi; i++)
            {
                long c = checked((long)Varint.Read(bytes, ref p));
                sketch._bins[i - sketch._offset] = c;
                count = checked(count + c);
            }
        }
        if (p != bytes.Length) throw new FormatException($"DDSketch: {bytes.Length - p} trailing bytes");
        sketch.ZeroCount = zero;
        sketch.CollapsedCount = collapsed;
        sketch.Count = count;
        sketch.Sum = sum;
        sketch.Min = count == 0 ? double.PositiveInfinity : min;
        sketch.Max = count == 0 ? double.NegativeInfinity : max;
        return sketch;
    }

    /// <summary>Reads a sketch from its base64 form.</summary>
    /// <exception cref="FormatException">Not base64, or not a sketch.</exception>
    public static DDSketch FromBase64(string base64) => FromBytes(Convert.FromBase64String(base64));
}
