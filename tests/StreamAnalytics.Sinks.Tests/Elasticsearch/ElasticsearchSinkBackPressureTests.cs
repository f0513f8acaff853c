using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Elasticsearch;

namespace StreamAnalytics.Sinks.Tests.Elasticsearch;

/// <summary>
/// Issue 19 item 3: the sink tells the stream runtime to pause before its buffer is full (IsBlocked), confirms
/// commits within a bound (TryFlush) while the retries run on its own sender, and never holds Add past
/// elasticsearch.max.block.ms.
/// </summary>
public sealed class ElasticsearchSinkBackPressureTests : IAsyncLifetime
{
    private FakeElasticsearchServer _es = null!;

    public async Task InitializeAsync() => _es = await FakeElasticsearchServer.StartAsync();

    public async Task DisposeAsync() => await _es.DisposeAsync();

    private ElasticsearchSink Sink(long maxBufferedBytes = 64 * 1024, int maxBlockMs = 1000, int bulkMaxBytes = 1024) => new(new ElasticsearchSinkConfig
    {
        Urls = [_es.Url],
        BulkMaxBytes = bulkMaxBytes,
        MaxBufferedBytes = maxBufferedBytes,
        MaxBlockMs = maxBlockMs,
        MaxRetries = 2,
        FlushIntervalMs = 3_600_000, // the sender sends when woken (a full batch, a flush), not on a timer
    }, new ListLogger(), delay: (_, _) => Task.CompletedTask);

    private static int PerDocument => SinkDocument.ForFeatures(TestDocuments.Features(1), "trace-features").BufferedBytes;

    [Fact]
    public async Task IsBlocked_from_three_quarters_of_the_buffer_until_it_drained()
    {
        const long max = 16 * 1024;
        await using var sink = Sink(max);
        await sink.StartAsync();
        _es.AlwaysStatus = 503;
        ulong id = 1;
        while (sink.BufferedBytes + PerDocument < max * 3 / 4)
        {
            sink.Add(TestDocuments.Features(id++));
            Assert.False(sink.IsBlocked, $"blocked at {sink.BufferedBytes} of {max} bytes");
        }
        sink.Add(TestDocuments.Features(id++));
        Assert.True(sink.BufferedBytes >= max * 3 / 4);
        Assert.True(sink.IsBlocked);

        _es.AlwaysStatus = null;
        Assert.True(sink.TryFlush(TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(0, sink.BufferedBytes);
        Assert.False(sink.IsBlocked);
    }

    [Fact]
    public async Task TryFlush_gives_up_within_its_bound_while_Elasticsearch_fails_and_confirms_once_it_accepts()
    {
        await using var sink = Sink();
        await sink.StartAsync();
        _es.AlwaysStatus = 503;
        sink.Add(TestDocuments.Features(1));

        Assert.False(sink.TryFlush(TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.False(sink.TryFlush(TimeSpan.Zero, CancellationToken.None));
        Assert.True(sink.BufferedBytes > 0);

        _es.AlwaysStatus = null;
        Assert.True(sink.TryFlush(TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(0, sink.BufferedBytes);
        Assert.Contains(_es.BulkRequests, r => r.Body.Contains("\"traceId\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TryFlush_waits_for_the_documents_added_before_it_not_for_later_ones()
    {
        // Batches large enough that adding the second document does not wake the sender on its own.
        await using var sink = Sink(bulkMaxBytes: 64 * 1024);
        await sink.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _es.Gate = gate;
        sink.Add(TestDocuments.Features(1));
        var flush = Task.Run(() => sink.TryFlush(TimeSpan.FromSeconds(30), CancellationToken.None));
        await ElasticsearchSinkTests.WaitUntil(() => _es.BulkRequests.Any());
        // Added while the first document is in flight: a later commit's business.
        sink.Add(TestDocuments.Features(2));
        gate.SetResult();

        Assert.True(await flush.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(sink.BufferedBytes > 0, "the later document was waited for (or sent) although nothing asked for it");
        _es.Gate = null;
        Assert.True(sink.TryFlush(TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(0, sink.BufferedBytes);
    }

    [Fact]
    public async Task Add_on_a_full_buffer_waits_at_most_max_block_ms_then_takes_the_document_above_the_bound()
    {
        const long max = 4096;
        await using var sink = Sink(max, maxBlockMs: 50);
        await sink.StartAsync();
        _es.AlwaysStatus = 503;
        int fitting = (int)(max / PerDocument);
        for (int i = 0; i < fitting; i++) sink.Add(TestDocuments.Features((ulong)i + 1));

        // Elasticsearch never frees space: before max.block.ms these Adds waited forever on the stream thread.
        await Task.Run(() =>
        {
            sink.Add(TestDocuments.Features(1000));
            sink.Add(TestDocuments.Features(1001));
        }).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(sink.BufferedBytes > max);
        Assert.True(sink.IsBlocked);

        _es.AlwaysStatus = null;
        Assert.True(sink.TryFlush(TimeSpan.FromSeconds(30), CancellationToken.None));
        // Every document, those taken above the bound included, reached Elasticsearch (the 503s were retried).
        Assert.Equal(0, sink.BufferedBytes);
        Assert.Equal(fitting + 2, _es.BulkRequests.SelectMany(r => r.Lines).Where(l => l.Contains("\"traceId\"", StringComparison.Ordinal)).Distinct().Count());
    }
}
