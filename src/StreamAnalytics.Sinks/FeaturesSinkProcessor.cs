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

    /// <param name="sinks">External sinks; may be empty.</param>
    /// <param name="metrics">Derived metrics, or null when the job exports none.</param>
    /// <param name="writeDocuments">False when the job writes aggregates only (<c>sinks.write.features=false</c>).</param>
    public FeaturesSinkProcessor(IReadOnlyList<ISink> sinks, DerivedMetrics? metrics, bool writeDocuments = true)
    {
        _sinks = sinks;
        _metrics = metrics;
        _writeDocuments = writeDocuments;
    }

    public void Init(IProcessorContext<TraceId, CompletedTrace> context) { }

    public void Process(Record<TraceId, CompletedTrace> record)
    {
        // Revisions re-emit a trace already counted: metrics count each trace once.
        if (record.Value.Features.Revision == 0) _metrics?.Record(record.Value.Trace, record.Value.Features);
        if (!_writeDocuments) return;
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Add(record.Value.Features);
    }

    public void Flush(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Flush(cancellationToken);
    }

    public void Close() { }
}
