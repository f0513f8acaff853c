using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Sinks;

/// <summary>
/// Step 6 for per-trace features: records the derived Prometheus metrics of each completed trace and hands its
/// features document to the external sinks (Elasticsearch, file). A terminal node: forwards nothing.
/// </summary>
/// <remarks>
/// Implements <see cref="IFlushable"/>: before the runtime commits the offsets a trace came from, every sink has
/// acknowledged the trace's document (at-least-once). The sinks are shared by the tasks of the process; flushing one
/// flushes everything buffered so far, which is what a commit needs. Runs on the task's thread.
/// </remarks>
public sealed class FeaturesSinkProcessor : IProcessor<TraceId, CompletedTrace, TraceId, CompletedTrace>, IFlushable
{
    private readonly IReadOnlyList<ISink> _sinks;
    private readonly DerivedMetrics? _metrics;
    private readonly bool _writeDocuments;
    private readonly FeatureSelection _selection;

    /// <param name="sinks">External sinks; may be empty.</param>
    /// <param name="metrics">Derived metrics, or null when the job exports none.</param>
    /// <param name="writeDocuments">False when the job writes aggregates only (<c>output.features.documents=false</c>).</param>
    /// <param name="selection">Features written in the documents (<c>features.include</c>); default all.</param>
    public FeaturesSinkProcessor(IReadOnlyList<ISink> sinks, DerivedMetrics? metrics, bool writeDocuments = true, FeatureSelection? selection = null)
    {
        _sinks = sinks;
        _metrics = metrics;
        _writeDocuments = writeDocuments;
        _selection = selection ?? FeatureSelection.All;
    }

    public void Init(IProcessorContext<TraceId, CompletedTrace> context) { }

    public void Process(Record<TraceId, CompletedTrace> record)
    {
        // Revisions re-emit a trace already counted: metrics count each trace once.
        if (record.Value.Features.Revision == 0) _metrics?.Record(record.Value.Trace, record.Value.Features);
        if (!_writeDocuments || _sinks.Count == 0) return;
        TraceFeatures document = _selection.Apply(record.Value.Features);
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Add(document);
    }

    public void Flush(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Flush(cancellationToken);
    }

    public void Close() { }
}
