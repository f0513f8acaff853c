using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Sinks;

/// <summary>
/// Step 6 for per-trace features: records the derived Prometheus metrics of each completed trace, makes its document
/// once (<see cref="FeaturesDocument"/>: selected, capped, serialized) and hands that one document to the external
/// sinks (Elasticsearch, file) and forwards it to its children (the <c>{app}-trace-features</c> topic sink), so
/// every destination gets the same bytes.
/// </summary>
/// <remarks>
/// Implements <see cref="IFlushable"/>: before the runtime commits the offsets a trace came from, every sink has
/// acknowledged the trace's document (at-least-once). The sinks are shared by the tasks of the process; flushing one
/// flushes everything buffered so far, which is what a commit needs. Runs on the task's thread.
/// </remarks>
public sealed class FeaturesSinkProcessor : IProcessor<TraceId, CompletedTrace, TraceId, FeaturesDocument>, IBackPressure
{
    private readonly IReadOnlyList<ISink> _sinks;
    private readonly DerivedMetrics? _metrics;
    private readonly bool _writeDocuments;
    private readonly bool _forward;
    private readonly FeatureSelection _selection;
    private readonly DocumentCaps _caps;
    private IProcessorContext<TraceId, FeaturesDocument>? _context;

    /// <param name="sinks">External sinks; may be empty.</param>
    /// <param name="metrics">Derived metrics, or null when the job exports none.</param>
    /// <param name="writeDocuments">False when the job writes aggregates only (<c>output.features.documents=false</c>).</param>
    /// <param name="selection">Features written in the documents (<c>features.include</c>); default all.</param>
    /// <param name="caps">Per-list caps of the documents; default <see cref="DocumentCaps.Default"/>.</param>
    /// <param name="forward">True when a child (the features topic) takes the documents.</param>
    public FeaturesSinkProcessor(IReadOnlyList<ISink> sinks, DerivedMetrics? metrics, bool writeDocuments = true, FeatureSelection? selection = null,
        DocumentCaps? caps = null, bool forward = false)
    {
        _sinks = sinks;
        _metrics = metrics;
        _writeDocuments = writeDocuments && sinks.Count > 0;
        _forward = forward;
        _selection = selection ?? FeatureSelection.All;
        _caps = caps ?? DocumentCaps.Default;
    }

    public void Init(IProcessorContext<TraceId, FeaturesDocument> context) => _context = context;

    public void Process(Record<TraceId, CompletedTrace> record)
    {
        // Revisions re-emit a trace already counted: metrics count each trace once.
        if (record.Value.Features.Revision == 0) _metrics?.Record(record.Value.Trace, record.Value.Features);
        if (!_writeDocuments && !_forward) return; // nobody reads the document: do not make it
        var document = FeaturesDocument.Create(record.Value.Features, _selection, _caps);
        if (_writeDocuments)
            for (int i = 0; i < _sinks.Count; i++) _sinks[i].Add(document);
        if (_forward) _context?.Forward(new Record<TraceId, FeaturesDocument>(record.Key, document, record.TimestampMs));
    }

    public void Flush(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Flush(cancellationToken);
    }

    /// <summary>True while a sink that can fall behind (Elasticsearch) asks not to be fed; see <see cref="IBackPressure"/>.</summary>
    public bool IsBlocked => SinkBackPressure.AnyBlocked(_sinks);

    /// <inheritdoc/>
    public bool TryFlush(TimeSpan timeout, CancellationToken cancellationToken) => SinkBackPressure.TryFlushAll(_sinks, timeout, cancellationToken);

    public void Close() { }
}
