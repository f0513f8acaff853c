using StreamAnalytics.Sinks.Elasticsearch;

namespace StreamAnalytics.Sinks.Tests.Elasticsearch;

public class ElasticsearchSinkConfigTests
{
    [Theory]
    [InlineData("elasticsearch.bulk.max.docs", "0")]
    [InlineData("elasticsearch.max.retries", "-1")]
    [InlineData("elasticsearch.tls.verify", "maybe")]
    [InlineData("elasticsearch.urls", "ftp://es:9200")]
    [InlineData("elasticsearch.index.features", "Trace-Features")]
    [InlineData("elasticsearch.backoff.max.ms", "1")]
    public void An_invalid_value_fails_with_a_message_naming_the_key(string key, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => ElasticsearchSinkConfig.FromProperties(new Dictionary<string, string> { [key] = value }));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Credentials_in_a_url_are_refused_without_echoing_them()
    {
        var e = Assert.Throws<ArgumentException>(() => ElasticsearchSinkConfig.FromProperties(
            new Dictionary<string, string> { ["elasticsearch.urls"] = "https://admin:hunter2@es:9200" }));
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.Contains("elasticsearch.username", e.Message);
    }

    [Fact]
    public void Keys_are_read_with_defaults_for_the_rest()
    {
        var config = ElasticsearchSinkConfig.FromProperties(new Dictionary<string, string>
        {
            ["elasticsearch.urls"] = "http://es1:9200, http://es2:9200",
            ["elasticsearch.tls.verify"] = "false",
            ["elasticsearch.password"] = "pw-secret-1",
            ["elasticsearch.username"] = "u",
        });
        Assert.Equal(2, config.Urls.Count);
        Assert.False(config.TlsVerify);
        Assert.Equal(1000, config.BulkMaxDocs);
        Assert.Equal("trace-aggregates", config.AggregatesIndexPrefix);
        Assert.DoesNotContain("pw-secret-1", config.ToString());
    }

    [Fact]
    public void A_password_without_a_username_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ElasticsearchSinkConfig { Password = "x" }.Validate());
        Assert.Contains("elasticsearch.username", e.Message);
    }
}
