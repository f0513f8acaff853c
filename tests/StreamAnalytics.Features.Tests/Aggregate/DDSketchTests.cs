using StreamAnalytics.Features.Aggregate;

namespace StreamAnalytics.Features.Tests.Aggregate;

public class DDSketchTests
{
    private static readonly double[] Quantiles = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

    public static TheoryData<int, string> Datasets()
    {
        var data = new TheoryData<int, string>();
        foreach (int seed in new[] { 1, 7, 42, 1234 })
            foreach (string shape in new[] { "lognormal", "uniform", "pareto", "withZeros" })
                data.Add(seed, shape);
        return data;
    }

    private static double[] Generate(int seed, string shape, int n = 20_000)
    {
        var random = new Random(seed);
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = shape switch
            {
                // Latency-like: median ~ e^8 µs ≈ 3 ms with a long tail.
                "lognormal" => Math.Exp(8 + 2 * Normal(random)),
                "uniform" => random.NextDouble() * 1_000_000,
                "pareto" => 100 / Math.Pow(1 - random.NextDouble(), 1 / 1.2),
                _ => random.Next(4) == 0 ? 0 : random.Next(1, 5000),
            };
        }
        return values;
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    private static double Exact(double[] sorted, double q) => sorted[(int)Math.Floor(q * (sorted.Length - 1))];

    [Theory]
    [MemberData(nameof(Datasets))]
    public void Every_quantile_is_within_the_relative_accuracy_of_the_exact_value(int seed, string shape)
    {
        var values = Generate(seed, shape);
        var sketch = new DDSketch(0.01);
        foreach (double v in values) sketch.Add(v);
        Array.Sort(values);

        foreach (double q in Quantiles)
        {
            double exact = Exact(values, q);
            double estimate = sketch.GetQuantile(q);
            Assert.True(Math.Abs(estimate - exact) <= 0.01 * Math.Abs(exact) + 1e-9,
                $"q={q}: estimate {estimate} vs exact {exact} ({shape}, seed {seed})");
        }
        Assert.Equal(values.Length, sketch.Count);
        Assert.Equal(values[0], sketch.Min);
        Assert.Equal(values[^1], sketch.Max);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(99)]
    public void Merging_two_sketches_gives_the_sketch_of_the_union(int seed)
    {
        var a = Generate(seed, "lognormal", 5000);
        var b = Generate(seed + 1, "pareto", 7000);
        var left = new DDSketch();
        var right = new DDSketch();
        var union = new DDSketch();
        foreach (double v in a) { left.Add(v); union.Add(v); }
        foreach (double v in b) { right.Add(v); union.Add(v); }

        left.Merge(right);

        Assert.Equal(union.Count, left.Count);
        Assert.Equal(union.ZeroCount, left.ZeroCount);
        Assert.Equal(union.Min, left.Min);
        Assert.Equal(union.Max, left.Max);
        Assert.InRange(left.Sum, union.Sum * (1 - 1e-12), union.Sum * (1 + 1e-12)); // summation order differs
        foreach (double q in Quantiles) Assert.Equal(union.GetQuantile(q), left.GetQuantile(q));
    }

    [Fact]
    public void Serialization_round_trips_bytes_and_quantiles()
    {
        var sketch = new DDSketch(0.02, 512);
        foreach (double v in Generate(5, "withZeros")) sketch.Add(v);

        byte[] bytes = sketch.ToBytes();
        var copy = DDSketch.FromBase64(Convert.ToBase64String(bytes));

        Assert.Equal(bytes, copy.ToBytes());
        Assert.Equal(0.02, copy.RelativeAccuracy);
        Assert.Equal(512, copy.MaxBuckets);
        Assert.Equal(sketch.Count, copy.Count);
        Assert.Equal(sketch.ZeroCount, copy.ZeroCount);
        foreach (double q in Quantiles) Assert.Equal(sketch.GetQuantile(q), copy.GetQuantile(q));
    }

    [Fact]
    public void An_empty_sketch_round_trips_and_has_no_quantiles()
    {
        var copy = DDSketch.FromBytes(new DDSketch().ToBytes());
        Assert.True(copy.IsEmpty);
        Assert.True(double.IsNaN(copy.GetQuantile(0.5)));
    }

    [Fact]
    public void The_binary_forms_of_a_fixed_input_are_the_ones_changelogs_and_documents_already_hold()
    {
        // Pins bucket indexing, collapsing and the layout: the hash is of the forms written before Add was optimised
        // (values are exact binary fractions, so only Math.Log's rounding near a bucket edge could move one).
        var random = new Random(2024);
        var wide = new DDSketch(0.01, 16); // collapses
        var normal = new DDSketch();
        var coarse = new DDSketch(0.05, 64);
        var histogram = new FixedHistogram(FixedHistogram.DurationBoundsUs);
        for (int i = 0; i < 20_000; i++)
        {
            double v = random.Next(10) == 0 ? 0 : Math.ScaleB(random.Next(1, 1 << 30), random.Next(-60, 10));
            long c = random.Next(20) == 0 ? random.Next(1, 5) : 1;
            wide.Add(v, c);
            normal.Add(v, c);
            coarse.Add(v, c);
            histogram.Add(v, c);
        }
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(wide.ToBytes());
        hash.AppendData(normal.ToBytes());
        hash.AppendData(coarse.ToBytes());
        foreach (long count in histogram.Counts) hash.AppendData(BitConverter.GetBytes(count));
        Assert.Equal("92D64C4E06C541ABC6855FD5E5C0AE0A950262BFA51CC957B5C094DE38E44D3B", Convert.ToHexString(hash.GetHashAndReset()));
    }

    [Fact]
    public void NaN_is_rejected_and_leaves_the_sketch_unchanged()
    {
        var sketch = new DDSketch();
        sketch.Add(5);
        byte[] before = sketch.ToBytes();
        Assert.Throws<ArgumentException>(() => sketch.Add(double.NaN));
        Assert.Equal(before, sketch.ToBytes());
        Assert.Equal(1, sketch.Count);
    }

    [Fact]
    public void The_binary_form_is_compact()
    {
        var sketch = new DDSketch();
        foreach (double v in Generate(11, "lognormal")) sketch.Add(v);
        // 20,000 values over ~8 decades at 1 %: about 900 buckets, mostly one- or two-byte varints.
        Assert.True(sketch.ToBytes().Length < 2500, $"{sketch.ToBytes().Length} bytes");
    }

    [Fact]
    public void Bucket_count_is_bounded_by_collapsing_the_lowest_buckets()
    {
        var sketch = new DDSketch(0.01, maxBuckets: 64);
        var values = new List<double>();
        for (int i = 0; i < 2000; i++)
        {
            double v = Math.Pow(10, i % 200 / 20.0); // 1 .. 1e10: far more than 64 buckets at 1 %
            sketch.Add(v);
            values.Add(v);
        }
        values.Sort();

        Assert.True(sketch.BucketCount <= 64);
        Assert.True(sketch.CollapsedCount > 0);
        double exact = values[(int)Math.Floor(0.99 * (values.Count - 1))];
        Assert.InRange(sketch.GetQuantile(0.99), exact * 0.99, exact * 1.01);
        Assert.Equal(2000, sketch.Count);
    }

    [Fact]
    public void Sketches_with_different_accuracy_do_not_merge()
    {
        var a = new DDSketch(0.01);
        var b = new DDSketch(0.02);
        b.Add(1);
        Assert.Throws<ArgumentException>(() => a.Merge(b));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 9, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0x7B, 0x14, 0xAE, 0x47, 0xE1, 0x7A, 0x84, 0x3F, 0x80 })]
    public void Malformed_bytes_are_rejected_with_a_format_exception(byte[] bytes)
    {
        Assert.Throws<FormatException>(() => DDSketch.FromBytes(bytes));
    }
}
