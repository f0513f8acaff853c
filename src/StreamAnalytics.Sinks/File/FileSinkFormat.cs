namespace StreamAnalytics.Sinks.File;

/// <summary>How <see cref="FileSink"/> lays out its files.</summary>
public enum FileSinkFormat
{
    /// <summary>
    /// <c>features.bulk.ndjson</c> and <c>aggregates.bulk.ndjson</c>: Elasticsearch <c>_bulk</c> bodies (action line
    /// + document line), loadable later with <c>curl -H 'Content-Type: application/x-ndjson' --data-binary @file …/_bulk</c>.
    /// </summary>
    Bulk,
    /// <summary><c>traces.ndjson</c> and <c>aggregates.ndjson</c>: one document per line (the <c>replay</c> command's output).</summary>
    Plain,
}
