using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Elasticsearch;

namespace StreamAnalytics.Sinks.Tests.Elasticsearch;

public sealed class ElasticsearchSinkTests : IAsyncLifetime
{
    private FakeElasticsearchServer _es = null!;
    private readonly List<TimeSpan> _delays = [];
    private readonly List<DeadLetteredDocument> _deadLetters = [];
    private readonly ListLogger _logger = new();

    public async Task InitializeAsync() => _es = await FakeElasticsearchServer.StartAsync();

    public async Task DisposeAsync() => await _es.DisposeAsync();

    private ElasticsearchSinkConfig Config(int maxRetries = 3, IReadOnlyList<Uri>? urls = null) => new()
    {
        Urls = urls ?? [_es.Url],
        MaxRetries = maxRetries,
        BackoffBaseMs = 100,
        BackoffMaxMs = 1000,
        FlushIntervalMs = 3_600_000, // only explicit flushes in these tests
    };

    private ElasticsearchSink Sink(ElasticsearchSinkConfig config) => new(config, _logger, d =>
    {
        lock (_deadLetters) _deadLetters.Add(d);
    }, (delay, _) =>
    {
        lock (_delays) _delays.Add(delay);
        return Task.CompletedTask;
    });

    [Fact]
    public async Task Start_puts_both_index_templates_with_explicit_mappings()
    {
        await using var sink = Sink(Config());
        await sink.StartAsync();

        var puts = _es.Requests.Where(r => r.Method == "PUT").ToDictionary(r => r.Path);
        using var features = JsonDocument.Parse(puts["/_index_template/trace-features"].Body);
        using var aggregates = JsonDocument.Parse(puts["/_index_template/trace-aggregates"].Body);

        Assert.Equal("trace-features-*", features.RootElement.GetProperty("index_patterns")[0].GetString());
        var fp = features.RootElement.GetProperty("template").GetProperty("mappings").GetProperty("properties");
        Assert.Equal("keyword", fp.GetProperty("traceId").GetProperty("type").GetString());
        Assert.Equal("keyword", fp.GetProperty("rootService").GetProperty("type").GetString());
        Assert.Equal("date", fp.GetProperty("@timestamp").GetProperty("type").GetString());
        Assert.False(fp.GetProperty("spanCounts").GetProperty("enabled").GetBoolean());

        Assert.Equal("trace-aggregates-*", aggregates.RootElement.GetProperty("index_patterns")[0].GetString());
        var mappings = aggregates.RootElement.GetProperty("template").GetProperty("mappings");
        Assert.False(mappings.GetProperty("dynamic").GetBoolean());
        var ap = mappings.GetProperty("properties");
        Assert.Equal("date", ap.GetProperty("windowStart").GetProperty("type").GetString());
        Assert.Equal("date", ap.GetProperty("windowEnd").GetProperty("type").GetString());
        foreach (string keyword in new[] { "kind", "service", "operation", "client", "server", "connectionType", "path", "rootService", "rootOperation" })
            Assert.Equal("keyword", ap.GetProperty(keyword).GetProperty("type").GetString());
        Assert.Equal("long", ap.GetProperty("count").GetProperty("type").GetString());
        Assert.Equal("double", ap.GetProperty("p99").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_bulk_body_is_ndjson_with_an_action_line_and_a_source_line_per_document()
    {
        await using var sink = Sink(Config());
        var features = TestDocuments.Features(0xabc, revision: 2);
        var aggregate = TestDocuments.Aggregates(partition: 4)[0];
        sink.Add(features);
        sink.Add(aggregate);
        await sink.FlushAsync();

        var request = Assert.Single(_es.BulkRequests);
        Assert.Equal("application/x-ndjson", request.ContentType);
        Assert.EndsWith("\n", request.Body);
        var lines = request.Body.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);

        using var featuresAction = JsonDocument.Parse(lines[0]);
        var fa = featuresAction.RootElement.GetProperty("index");
        Assert.Equal("trace-features-2026.01.01", fa.GetProperty("_index").GetString());
        Assert.Equal(features.TraceId, fa.GetProperty("_id").GetString());
        Assert.Equal(3, fa.GetProperty("version").GetInt64()); // revision + 1
        Assert.Equal("external", fa.GetProperty("version_type").GetString());
        using var featuresSource = JsonDocument.Parse(lines[1]);
        Assert.Equal(features.TraceId, featuresSource.RootElement.GetProperty("traceId").GetString());
        Assert.Equal(2, featuresSource.RootElement.GetProperty("revision").GetInt32());
        Assert.False(featuresSource.RootElement.GetProperty("edges")[0].TryGetProperty("durationsUs", out _));

        using var aggregateAction = JsonDocument.Parse(lines[2]);
        var aa = aggregateAction.RootElement.GetProperty("index");
        Assert.Equal("trace-aggregates-2026.01.01", aa.GetProperty("_index").GetString());
        Assert.Equal(aggregate.Id, aa.GetProperty("_id").GetString());
        Assert.False(aa.TryGetProperty("version", out _));
        using var aggregateSource = JsonDocument.Parse(lines[3]);
        Assert.Equal(4, aggregateSource.RootElement.GetProperty("partition").GetInt32());
    }

    [Fact]
    public async Task Documents_are_batched_by_bulk_max_docs()
    {
        await using var small = Sink(new ElasticsearchSinkConfig { Urls = [_es.Url], BulkMaxDocs = 2, FlushIntervalMs = 3_600_000 });
        for (ulong i = 1; i <= 5; i++) small.Add(TestDocuments.Features(i));
        await small.FlushAsync();

        Assert.Equal([2, 2, 1], _es.BulkRequests.Select(r => r.Lines.Count(l => l.Length > 0) / 2));
    }

    [Fact]
    public async Task Whole_request_429_and_503_are_retried_with_growing_backoff_then_succeed()
    {
        await using var sink = Sink(Config());
        _es.NextResponses(429, 503);
        sink.Add(TestDocuments.Features(1));
        await sink.FlushAsync();

        Assert.Equal(3, _es.BulkRequests.Count());
        Assert.Equal(2, _delays.Count);
        // Base 100 ms doubling, each drawn from [d/2, d].
        Assert.InRange(_delays[0].TotalMilliseconds, 50, 100);
        Assert.InRange(_delays[1].TotalMilliseconds, 100, 200);
        Assert.Equal(0, sink.BufferedBytes);
    }

    [Fact]
    public async Task Backoff_is_capped_at_backoff_max_ms()
    {
        await using var sink = Sink(Config(maxRetries: 10));
        for (int attempt = 0; attempt < 30; attempt++)
            Assert.InRange(sink.Backoff(attempt).TotalMilliseconds, 0, 1000);
        Assert.InRange(sink.Backoff(20).TotalMilliseconds, 500, 1000);
    }

    [Fact]
    public async Task On_partial_failure_only_the_failed_items_are_retried_and_a_rejected_document_is_dead_lettered_with_its_reason()
    {
        await using var sink = Sink(Config());
        _es.BulkItemStatuses = (request, item, _) => (request, item) switch
        {
            (0, 1) => 429,
            (0, 2) => 400,
            _ => 201,
        };
        for (ulong i = 1; i <= 4; i++) sink.Add(TestDocuments.Features(i));
        await sink.FlushAsync();

        var bulks = _es.BulkRequests.ToList();
        Assert.Equal(2, bulks.Count);
        var retriedIds = bulks[1].Lines.Where(l => l.Contains("\"_index\"")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("index").GetProperty("_id").GetString()).ToList();
        Assert.Equal([TestDocuments.Features(2).TraceId], retriedIds);

        var dead = Assert.Single(_deadLetters);
        Assert.Equal(TestDocuments.Features(3).TraceId, dead.Id);
        Assert.Equal(400, dead.Status);
        Assert.Equal("mapper_parsing_exception", dead.ErrorType);
        Assert.Contains("item 2", dead.Reason);
        Assert.Equal(TestDocuments.Features(3).TraceId, JsonDocument.Parse(dead.Source).RootElement.GetProperty("traceId").GetString());
        Assert.Equal(0, sink.BufferedBytes);
        Assert.Equal(0, sink.QueuedDocuments);
    }

    [Fact]
    public async Task A_throwing_dead_letter_callback_keeps_the_document_buffered_and_the_byte_accounting_exact()
    {
        int calls = 0;
        var dead = new List<DeadLetteredDocument>();
        await using var sink = new ElasticsearchSink(Config(maxRetries: 1), _logger, d =>
        {
            // The first dead-letter write fails (e.g. the dead-letter producer is down); later ones succeed.
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("dead-letter topic unavailable");
            lock (dead) dead.Add(d);
        }, (_, _) => Task.CompletedTask);
        string refused = TestDocuments.Features(2).TraceId;
        _es.BulkItemStatuses = (_, _, action) => action.GetProperty("_id").GetString() == refused ? 400 : 201;
        for (ulong i = 1; i <= 3; i++) sink.Add(TestDocuments.Features(i));

        // The refused document could not be dead-lettered on the first attempt: it is retried, not lost or double-counted.
        await sink.FlushAsync();

        Assert.Equal(2, calls);
        Assert.Equal(refused, Assert.Single(dead).Id);
        Assert.Equal(0, sink.BufferedBytes);
        Assert.Equal(0, sink.QueuedDocuments);
        var resent = _es.BulkRequests.Skip(1).SelectMany(b => b.Lines.Where(l => l.Contains("\"_index\""))).ToList();
        Assert.Single(resent);
    }

    [Fact]
    public async Task A_413_splits_the_batch_until_it_fits_and_a_single_document_too_large_is_dead_lettered()
    {
        await using var sink = Sink(Config(maxRetries: 0));
        var small = new List<SinkDocument>();
        for (ulong i = 1; i <= 8; i++) small.Add(SinkDocument.ForFeatures(TestDocuments.Features(i), "trace-features"));
        var huge = SinkDocument.Create("trace-features-x", "huge", null, Encoding.UTF8.GetBytes($$"""{"pad":"{{new string('p', 20_000)}}"}"""));
        // Room for about three of the small documents per request, never for the huge one.
        _es.MaxBulkBodyBytes = small[0].Source.Length * 3 + 600;
        foreach (var d in small.Take(4)) sink.Add(d);
        sink.Add(huge);
        foreach (var d in small.Skip(4)) sink.Add(d);

        await sink.FlushAsync(); // with no retries allowed, only splitting can deliver the batch

        var indexed = _es.BulkRequests
            .Where(b => Encoding.UTF8.GetByteCount(b.Body) <= _es.MaxBulkBodyBytes)
            .SelectMany(b => b.Lines.Where(l => l.Contains("\"_index\"")))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("index").GetProperty("_id").GetString())
            .ToList();
        Assert.Equal(small.Select(d => d.Id).Order(), indexed.Order());
        var dead = Assert.Single(_deadLetters);
        Assert.Equal("huge", dead.Id);
        Assert.Equal(413, dead.Status);
        Assert.Equal("request_entity_too_large", dead.ErrorType);
        Assert.Contains("too large", dead.Reason);
        Assert.Equal(0, sink.BufferedBytes);
        Assert.Equal(0, sink.QueuedDocuments);
    }

    [Fact]
    public async Task A_version_conflict_on_an_older_revision_counts_as_success()
    {
        await using var sink = Sink(Config());
        _es.BulkItemStatuses = (_, _, _) => 409;
        sink.Add(TestDocuments.Features(1, revision: 0));
        await sink.FlushAsync();

        Assert.Single(_es.BulkRequests);
        Assert.Empty(_deadLetters);
        Assert.Equal(0, sink.BufferedBytes);
    }

    [Fact]
    public async Task A_version_conflict_on_an_unversioned_aggregate_is_dead_lettered()
    {
        await using var sink = Sink(Config());
        _es.BulkItemStatuses = (_, _, _) => 409;
        sink.Add(TestDocuments.Aggregates()[0]);
        await sink.FlushAsync();

        Assert.Equal(409, Assert.Single(_deadLetters).Status);
    }

    [Fact]
    public async Task A_refused_connection_is_retried_on_the_next_url()
    {
        int deadPort = FreePort();
        await using var sink = Sink(Config(urls: [new Uri($"http://127.0.0.1:{deadPort}/"), _es.Url]));
        sink.Add(TestDocuments.Features(1));
        await sink.FlushAsync();

        Assert.Single(_es.BulkRequests);
        Assert.Single(_delays);
        Assert.Contains(_logger.Messages, m => m.Contains("connection"));
        Assert.Equal(0, sink.BufferedBytes);
    }

    [Fact]
    public async Task Flush_throws_when_retries_are_exhausted_keeps_the_documents_and_a_later_flush_delivers_them()
    {
        await using var sink = Sink(Config(maxRetries: 2));
        _es.AlwaysStatus = 503;
        sink.Add(TestDocuments.Features(1));
        sink.Add(TestDocuments.Features(2));

        var e = Assert.Throws<BulkIndexException>(() => sink.Flush(CancellationToken.None));
        Assert.Equal(2, e.Failed.Count());
        Assert.All(e.Failed, r => Assert.Equal("http_5xx", r.ErrorType));
        Assert.Contains("elasticsearch.max.retries", e.Message);
        Assert.Equal(3, _es.BulkRequests.Count()); // first try + 2 retries
        Assert.Equal(2, sink.QueuedDocuments);
        Assert.False(sink.CheckReadiness().IsReady);

        _es.AlwaysStatus = null;
        sink.Flush(CancellationToken.None);
        Assert.Equal(0, sink.QueuedDocuments);
        Assert.Equal(0, sink.BufferedBytes);
        Assert.True(sink.CheckReadiness().IsReady);
        var delivered = _es.BulkRequests.Last().Lines.Count(l => l.Contains("\"traceId\""));
        Assert.Equal(2, delivered);
    }

    [Fact]
    public async Task Add_blocks_while_the_buffer_is_full_until_a_flush_frees_space()
    {
        await using var sink = Sink(new ElasticsearchSinkConfig
        {
            // Waits up to max.block.ms; long here so that the wait, not its end, is what this test sees.
            Urls = [_es.Url], BulkMaxBytes = 1024, MaxBufferedBytes = 4096, FlushIntervalMs = 3_600_000, MaxBlockMs = 600_000,
        });
        int perDoc = SinkDocument.ForFeatures(TestDocuments.Features(1), "trace-features").BufferedBytes;
        int fitting = (int)(4096 / perDoc);
        for (int i = 0; i < fitting; i++) sink.Add(TestDocuments.Features((ulong)i + 1));

        var blocked = Task.Run(() => sink.Add(TestDocuments.Features(999)));
        await WaitUntil(() => sink.WaitingAdds > 0);
        Assert.False(blocked.IsCompleted);
        Assert.True(sink.BufferedBytes <= 4096);

        await sink.FlushAsync();
        await blocked;
        await sink.FlushAsync();
        Assert.Equal(fitting + 1, _es.BulkRequests.Sum(r => r.Lines.Count(l => l.Contains("\"traceId\""))));
    }

    [Fact]
    public async Task Basic_auth_is_sent_but_the_password_never_appears_in_logs_exceptions_or_ToString()
    {
        const string password = "s3cr3t-P@ss";
        var config = new ElasticsearchSinkConfig { Urls = [_es.Url], Username = "writer", Password = password, MaxRetries = 1, FlushIntervalMs = 3_600_000 };
        await using var sink = Sink(config);
        await sink.StartAsync();
        _es.AlwaysStatus = 503;
        sink.Add(TestDocuments.Features(1));
        var e = Assert.Throws<BulkIndexException>(() => sink.Flush(CancellationToken.None));

        string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("writer:" + password));
        Assert.All(_es.Requests, r => Assert.Equal(expected, r.Authorization));
        Assert.DoesNotContain(password, config.ToString());
        Assert.Contains("writer", config.ToString());
        Assert.DoesNotContain(password, e.ToString());
        Assert.NotEmpty(_logger.Messages);
        Assert.All(_logger.Messages, m =>
        {
            Assert.DoesNotContain(password, m);
            Assert.DoesNotContain(expected, m);
        });
    }

    [Fact]
    public async Task An_api_key_is_sent_as_ApiKey_authorization_and_redacted_in_ToString()
    {
        var config = new ElasticsearchSinkConfig { Urls = [_es.Url], ApiKey = "aWQ6a2V5LXNlY3JldA==", FlushIntervalMs = 3_600_000 };
        await using var sink = Sink(config);
        sink.Add(TestDocuments.Features(1));
        await sink.FlushAsync();

        Assert.Equal("ApiKey aWQ6a2V5LXNlY3JldA==", Assert.Single(_es.BulkRequests).Authorization);
        Assert.DoesNotContain("aWQ6a2V5LXNlY3JldA==", config.ToString());
    }

    [Fact]
    public async Task A_template_that_keeps_failing_fails_start_with_the_status()
    {
        await using var sink = Sink(Config(maxRetries: 1));
        _es.AlwaysStatus = 400;
        var e = await Assert.ThrowsAsync<ElasticsearchException>(() => sink.StartAsync());
        Assert.Equal(400, e.Status);
        Assert.Contains("trace-features", e.Message);
    }

    [Fact]
    public async Task The_background_sender_delivers_without_an_explicit_flush()
    {
        await using var sink = Sink(new ElasticsearchSinkConfig { Urls = [_es.Url], FlushIntervalMs = 10, TemplatesEnabled = false });
        await sink.StartAsync();
        sink.Add(TestDocuments.Features(1));
        await WaitUntil(() => _es.BulkRequests.Any());
        await WaitUntil(() => sink.BufferedBytes == 0);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls a condition (bounded: 30 s), for state reached on another thread; not a timing assertion.</summary>
    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached within 30 s");
            await Task.Delay(10);
        }
    }
}
