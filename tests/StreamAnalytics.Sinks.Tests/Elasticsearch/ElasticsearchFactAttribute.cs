namespace StreamAnalytics.Sinks.Tests.Elasticsearch;

/// <summary>
/// A fact that runs against a real Elasticsearch 8 / OpenSearch 2 cluster at <c>ES_URL</c> (optionally
/// <c>ES_USERNAME</c>/<c>ES_PASSWORD</c> or <c>ES_API_KEY</c>, <c>ES_TLS_VERIFY=false</c>); skipped with a message when
/// <c>ES_URL</c> is unset (xunit 2 has no dynamic skip, so the attribute decides).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ElasticsearchFactAttribute : FactAttribute
{
    public ElasticsearchFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ES_URL")))
            Skip = "ES_URL is not set: no real Elasticsearch cluster to test against (e.g. ES_URL=http://localhost:9200 with docker-compose.kafka.yml)";
    }
}
