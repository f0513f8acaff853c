namespace StreamAnalytics.Sinks.Elasticsearch;

/// <summary>A request to Elasticsearch other than a bulk write failed (e.g. putting an index template at start).</summary>
public sealed class ElasticsearchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ElasticsearchException(string message, int status, Exception? inner = null) : base(message, inner) => Status = status;

    /// <summary>The HTTP status, or 0 when no response was received.</summary>
    public int Status { get; }
}
