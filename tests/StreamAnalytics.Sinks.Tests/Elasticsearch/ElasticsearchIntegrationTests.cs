using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StreamAnalytics.Sinks.Elasticsearch;

namespace StreamAnalytics.Sinks.Tests.Elasticsearch;

/// <summary>The sink against a real cluster (see <see cref="ElasticsearchFactAttribute"/>), in indices of its own that it deletes.</summary>
public sealed class ElasticsearchIntegrationTests
{
    private static ElasticsearchSinkConfig ConfigFromEnvironment(string prefix)
    {
        var properties = new Dictionary<string, string>
        {
            ["elasticsearch.urls"] = Environment.GetEnvironmentVariable("ES_URL")!,
            ["elasticsearch.index.features"] = prefix + "-features",
            ["elasticsearch.index.aggregates"] = prefix + "-aggregates",
            ["elasticsearch.max.retries"] = "3",
        };
        if (Environment.GetEnvironmentVariable("ES_USERNAME") is { } user) properties["elasticsearch.username"] = user;
        if (Environment.GetEnvironmentVariable("ES_PASSWORD") is { } password) properties["elasticsearch.password"] = password;
        if (Environment.GetEnvironmentVariable("ES_API_KEY") is { } key) properties["elasticsearch.api.key"] = key;
        if (Environment.GetEnvironmentVariable("ES_TLS_VERIFY") is { } verify) properties["elasticsearch.tls.verify"] = verify;
        return ElasticsearchSinkConfig.FromProperties(properties);
    }

    [ElasticsearchFact]
    public async Task Documents_are_indexed_with_their_ids_and_an_older_revision_does_not_overwrite_a_newer_one()
    {
        string prefix = "sa-it-" + Guid.NewGuid().ToString("N")[..8];
        var config = ConfigFromEnvironment(prefix);
        using var http = Client(config);
        var dead = new List<DeadLetteredDocument>();
        try
        {
            await using var sink = new ElasticsearchSink(config, deadLetter: dead.Add);
            await sink.StartAsync();
            var newer = TestDocuments.Features(0x5151, revision: 1);
            var older = TestDocuments.Features(0x5151, revision: 0);
            var aggregate = TestDocuments.Aggregates()[0];
            sink.Add(newer);
            sink.Add(aggregate);
            await sink.FlushAsync();
            sink.Add(older);
            await sink.FlushAsync(); // 409 on the older revision counts as success

            Assert.Empty(dead);
            using var stored = JsonDocument.Parse(await http.GetStringAsync($"{prefix}-features-2026.01.01/_doc/{newer.TraceId}"));
            Assert.Equal(1, stored.RootElement.GetProperty("_source").GetProperty("revision").GetInt32());
            Assert.Equal(2, stored.RootElement.GetProperty("_version").GetInt64());
            using var agg = JsonDocument.Parse(await http.GetStringAsync($"{prefix}-aggregates-2026.01.01/_doc/{aggregate.Id}"));
            Assert.True(agg.RootElement.GetProperty("found").GetBoolean());
        }
        finally
        {
            await http.DeleteAsync($"{prefix}-*");
            await http.DeleteAsync($"_index_template/{prefix}-features");
            await http.DeleteAsync($"_index_template/{prefix}-aggregates");
        }
    }

    private static HttpClient Client(ElasticsearchSinkConfig config)
    {
        var handler = new SocketsHttpHandler();
        if (!config.TlsVerify) handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        var url = config.Urls[0].AbsoluteUri;
        var http = new HttpClient(handler) { BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/") };
        if (config.ApiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", config.ApiKey);
        else if (config.Username is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{config.Username}:{config.Password}")));
        return http;
    }
}
