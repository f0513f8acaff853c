using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Features.Extract;

/// <summary>
/// Step 4 of the trace topology: turns each completed <see cref="Trace"/> into its <see cref="TraceFeatures"/> and
/// forwards both, keyed by trace id, with the trace's timestamp. Stateless; one extractor per task.
/// </summary>
public sealed class FeatureExtractionProcessor : IProcessor<TraceId, Trace, TraceId, CompletedTrace>
{
    private readonly TraceFeatureExtractor _extractor;
    private readonly Action<TraceFeatures>? _shape;
    private IProcessorContext<TraceId, CompletedTrace>? _context;

    /// <param name="config">Extraction settings.</param>
    /// <param name="shape">Optional post-processing (e.g. dropping features a job does not include).</param>
    public FeatureExtractionProcessor(FeatureConfig config, Action<TraceFeatures>? shape = null)
    {
        _extractor = new TraceFeatureExtractor(config);
        _shape = shape;
    }

    public void Init(IProcessorContext<TraceId, CompletedTrace> context) => _context = context;

    public void Process(Record<TraceId, Trace> record)
    {
        var context = _context ?? throw new InvalidOperationException("FeatureExtractionProcessor.Init has not been called");
        TraceFeatures features = _extractor.Extract(record.Value);
        _shape?.Invoke(features);
        context.Forward(new Record<TraceId, CompletedTrace>(record.Key, new CompletedTrace(record.Value, features), record.TimestampMs));
    }

    public void Close() { }
}
