namespace StreamAnalytics.Streams.Api;

/// <summary>
/// Implemented by processors that hold outputs outside Kafka (an Elasticsearch bulk buffer, a file): before the runtime
/// commits input offsets it calls <see cref="Flush"/>, and commits only if it returns. That is what makes
/// at-least-once hold for external sinks: an offset is never committed before what was derived from it is acknowledged.
/// </summary>
public interface IFlushable
{
    /// <summary>Blocks until every output handed over so far is durable, or throws (then the commit is skipped and retried).</summary>
    void Flush(CancellationToken cancellationToken);
}
