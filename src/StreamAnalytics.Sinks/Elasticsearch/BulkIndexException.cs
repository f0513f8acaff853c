namespace StreamAnalytics.Sinks.Elasticsearch;

/// <summary>
/// Thrown by <see cref="ElasticsearchSink.Flush"/> when documents were still failing after
/// <c>elasticsearch.max.retries</c>. The failed documents stay buffered, so the runtime skips this commit and a
/// later flush retries them: nothing is lost and no offset is committed past them.
/// </summary>
public sealed class BulkIndexException : Exception
{
    /// <summary>Creates the exception with the result of every document of the failed flush.</summary>
    public BulkIndexException(string message, IReadOnlyList<BulkItemResult> items, Exception? inner = null) : base(message, inner)
    {
        Items = items;
    }

    /// <summary>Each document's result (including the ones that succeeded or were dead-lettered in the same flush).</summary>
    public IReadOnlyList<BulkItemResult> Items { get; }

    /// <summary>The documents that are still failing.</summary>
    public IEnumerable<BulkItemResult> Failed => Items.Where(i => i.Outcome == BulkItemOutcome.Failed);
}
