namespace StreamAnalytics.Sinks.Elasticsearch;

/// <summary>What happened to one document of a bulk write.</summary>
public enum BulkItemOutcome
{
    /// <summary>Created or updated (2xx).</summary>
    Indexed,
    /// <summary>409 version conflict on a versioned document: a newer revision is already stored, so this one is obsolete; counts as success.</summary>
    Obsolete,
    /// <summary>Refused for good (4xx other than 409/429, e.g. a mapping error): handed to the dead-letter callback, not retried.</summary>
    Rejected,
    /// <summary>Still failing (429, 5xx, connection error) after <c>elasticsearch.max.retries</c>: kept buffered and retried by the next flush.</summary>
    Failed,
}

/// <summary>The result of one document: where it went, the HTTP status (0 for a connection error) and the error reported.</summary>
/// <param name="Index">Target index.</param>
/// <param name="Id">Document <c>_id</c>.</param>
/// <param name="Status">Item HTTP status, or 0 when the request itself failed.</param>
/// <param name="Outcome">What the sink did with it.</param>
/// <param name="ErrorType">Elasticsearch's error type (e.g. <c>mapper_parsing_exception</c>), or the failure kind.</param>
/// <param name="Reason">Elasticsearch's reason text, or the failure message.</param>
public sealed record BulkItemResult(string Index, string Id, int Status, BulkItemOutcome Outcome, string? ErrorType, string? Reason);

/// <summary>A document Elasticsearch refused for good, as handed to the dead-letter callback.</summary>
/// <param name="Index">Target index.</param>
/// <param name="Id">Document <c>_id</c>.</param>
/// <param name="Status">Item HTTP status (e.g. 400).</param>
/// <param name="ErrorType">Elasticsearch's error type.</param>
/// <param name="Reason">Elasticsearch's reason text (the dead-letter record's reason).</param>
/// <param name="Source">The document source as sent.</param>
public sealed record DeadLetteredDocument(string Index, string Id, int Status, string ErrorType, string Reason, ReadOnlyMemory<byte> Source);
