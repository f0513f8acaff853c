using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Sinks;

/// <summary>
/// A destination for per-trace features and aggregate documents outside Kafka. The trace topology hands every
/// document to <c>Add</c> on the task's thread; the runtime calls <see cref="IFlushable.Flush"/> before committing
/// offsets, and commits only if it returns, so an offset is never committed before its documents are durable. A sink
/// whose destination can fall behind also implements <see cref="IBackPressure"/>: the sink processors then report it
/// blocked, and the runtime pauses input instead of calling <c>Add</c> on a full buffer.
/// </summary>
public interface ISink : IFlushable
{
    /// <summary>
    /// Buffers a trace's document (serialized once, for every sink and the features topic). May wait a bounded time
    /// while the sink's buffer is full.
    /// </summary>
    void Add(FeaturesDocument document, CancellationToken cancellationToken = default);

    /// <summary>Buffers an aggregate document. May wait a bounded time while the sink's buffer is full.</summary>
    void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default);
}
