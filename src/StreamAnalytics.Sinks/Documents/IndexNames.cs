namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// The daily index names of the documents, <c>{prefix}-YYYY.MM.DD</c>, shared by the Elasticsearch sink and the
/// file sink's bulk action lines, so a file loaded with <c>_bulk</c> lands in the indices the live sink writes.
/// The prefixes are <c>elasticsearch.index.features</c> and <c>elasticsearch.index.aggregates</c>.
/// </summary>
public static class IndexNames
{
    /// <summary>Default <c>elasticsearch.index.features</c>.</summary>
    public const string DefaultFeaturesPrefix = "trace-features";

    /// <summary>Default <c>elasticsearch.index.aggregates</c>.</summary>
    public const string DefaultAggregatesPrefix = "trace-aggregates";

    /// <summary>The trace-features index of a day.</summary>
    public static string Features(string prefix, string daySuffix) => prefix + "-" + daySuffix;

    /// <summary>The aggregates index of a day.</summary>
    public static string Aggregates(string prefix, string daySuffix) => prefix + "-" + daySuffix;
}
