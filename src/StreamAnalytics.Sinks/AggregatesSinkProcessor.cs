using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Sinks;

/// <summary>
/// Step 6 for aggregates: hands each closed window's documents to the external sinks. A terminal node; flushed before
/// each commit like <see cref="FeaturesSinkProcessor"/>.
/// </summary>
public sealed class AggregatesSinkProcessor : IProcessor<string, AggregateDocument, string, AggregateDocument>, IBackPressure
{
    private readonly IReadOnlyList<ISink> _sinks;
    private readonly IReadOnlySet<AggregateKind>? _kinds;

    /// <param name="sinks">External sinks; may be empty.</param>
    /// <param name="kinds">Aggregate kinds written (<c>aggregate.kinds</c>); null = all.</param>
    public AggregatesSinkProcessor(IReadOnlyList<ISink> sinks, IReadOnlySet<AggregateKind>? kinds = null)
    {
        _sinks = sinks;
        _kinds = kinds;
    }

    public void Init(IProcessorContext<string, AggregateDocument> context) { }

    public void Process(Record<string, AggregateDocument> record)
    {
        if (_kinds is not null && !_kinds.Contains(record.Value.Kind)) return;
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Add(record.Value);
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
