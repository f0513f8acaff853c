using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Sinks;

/// <summary>
/// Step 6 for aggregates: hands each closed window's documents to the external sinks. A terminal node; flushed before
/// each commit like <see cref="FeaturesSinkProcessor"/>.
/// </summary>
public sealed class AggregatesSinkProcessor : IProcessor<string, AggregateDocument, string, AggregateDocument>, IFlushable
{
    private readonly IReadOnlyList<ISink> _sinks;

    public AggregatesSinkProcessor(IReadOnlyList<ISink> sinks) => _sinks = sinks;

    public void Init(IProcessorContext<string, AggregateDocument> context) { }

    public void Process(Record<string, AggregateDocument> record)
    {
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Add(record.Value);
    }

    public void Flush(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Flush(cancellationToken);
    }

    public void Close() { }
}
