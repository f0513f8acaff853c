using BenchmarkDotNet.Attributes;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Benchmarks;

/// <summary>Decoding one OTLP protobuf message of 100 spans (the first step of every record).</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private SampleData _data = null!;
    private ISpanDecoder _decoder = null!;
    private readonly SpanBatch _batch = new(256);
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _data = SampleData.Create(messages: 256);
        _decoder = SpanDecoders.Create(SpanFormat.OtlpProto, StringTable.Shared);
    }

    [Benchmark(Description = "decode otlp_proto batch (100 spans)", OperationsPerInvoke = 1)]
    public int DecodeOtlpProtoBatch()
    {
        byte[] message = _data.Messages[_next++ & 255];
        _batch.Clear();
        _decoder.TryDecode(message, _batch, out _);
        return _batch.Count;
    }
}

/// <summary>
/// Adding one decoded batch of 100 spans to a <see cref="TraceAssembler"/> in steady state: stream time advances with
/// the batches, so traces complete by the gap as new ones open (as in the job).
/// </summary>
[MemoryDiagnoser]
public class AssemblerBenchmarks
{
    private const int Batches = 1024;
    private SampleData _data = null!;
    private TraceAssembler _assembler = null!;
    private readonly List<Trace> _completed = new();
    private Span[] _scratch = [];
    private long _invocation;

    [GlobalSetup]
    public void Setup()
    {
        _data = SampleData.Create(messages: Batches);
        _assembler = new TraceAssembler(new OpenTraceStore(new AssemblyConfig { GapMs = 1000 }, StringTable.Shared, TimeProvider.System,
            new AssemblyMetrics("bench", registerWithMeter: false)));
        _scratch = new Span[SampleData.SpansPerMessage];
    }

    [Benchmark(Description = "assembler add (batch of 100 spans)")]
    public int AddBatch()
    {
        long n = _invocation++;
        Span[] batch = _data.Decoded[n % Batches];
        // Each pass over the data gets fresh trace ids, so a span never lands on an emitted trace.
        ulong pass = (ulong)(n / Batches) + 1;
        for (int i = 0; i < batch.Length; i++)
        {
            _scratch[i] = batch[i];
            _scratch[i].TraceId = new TraceId(batch[i].TraceId.High ^ (pass * 0x9E3779B97F4A7C15UL), batch[i].TraceId.Low);
        }
        long streamMs = n * 5; // 100 spans per 5 ms of stream time: 20k spans/s
        _assembler.AddRange(_scratch.AsSpan(0, batch.Length), streamMs, streamMs, _completed);
        int completed = _completed.Count;
        _completed.Clear();
        return completed;
    }
}

/// <summary>Feature extraction of a typical (median-size) trace, and adding its features to the windowed aggregates.</summary>
[MemoryDiagnoser]
public class TraceBenchmarks
{
    private Trace _trace = null!;
    private TraceFeatures _features = null!;
    private TraceFeatureExtractor _extractor = null!;
    private WindowedAggregator _aggregator = null!;

    [GlobalSetup]
    public void Setup()
    {
        var data = SampleData.Create(messages: 64);
        _trace = data.TypicalTrace();
        _extractor = new TraceFeatureExtractor(FeatureConfig.Default);
        _features = _extractor.Extract(_trace);
        _aggregator = new WindowedAggregator(AggregateConfig.Default);
    }

    [Benchmark(Description = "feature extraction (typical trace)")]
    public TraceFeatures Extract() => _extractor.Extract(_trace);

    [Benchmark(Description = "aggregation add (typical trace)")]
    public AggregateAddOutcome AggregateAdd() => _aggregator.Add(_trace, _features);
}
