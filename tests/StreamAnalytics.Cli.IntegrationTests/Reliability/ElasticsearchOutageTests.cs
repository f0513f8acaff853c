using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Issue 8: Elasticsearch unavailable (503), then a 429 storm (whole requests and items), then back. Nothing may be
/// lost, no commit may succeed while Elasticsearch holds unacknowledged documents, and the sink buffer
/// (elasticsearch.max.buffered.bytes) must bound memory while waiting.
/// </summary>
/// <remarks>
/// What "offsets held back" means here: a trace's input (repartition) records are committed while the trace is still
/// open, because the open-traces changelog holds it from then on; what must wait for Elasticsearch is the commit
/// after the emission, which releases the trace's changelog tombstone. So the test checks that
/// the assembly group's committed repartition offsets stay still while documents are unacknowledged (the decoding
/// sub-topology commits in its own group and is not held back), and then SIGKILLs the engine in the
/// middle of the storm: the next incarnation must restore the unacknowledged traces and index them.
/// </remarks>
public sealed class ElasticsearchOutageTests(ITestOutputHelper output) : IDisposable
{
    private const long BufferLimitBytes = 1024 * 1024;
    private readonly string _work = Directory.CreateTempSubdirectory("reliability-es-").FullName;
    private bool _passed;

    [Fact]
    public async Task Offsets_wait_for_Elasticsearch_through_an_outage_and_a_429_storm_and_every_trace_is_indexed_after()
    {
        var load = await SpanLoad.CreateAsync(20_000, seed: 31, _work);
        using var es = new FakeElasticsearch();
        using var cluster = ReliabilityCluster.Start("esout", brokers: 1, partitions: 4);
        using var fleet = new EngineFleet(cluster, Path.Combine(_work, "out"), new Dictionary<string, string>
        {
            ["assembly.gap.ms"] = "2000",
            ["assembly.root.grace.ms"] = "2000",
            ["elasticsearch.urls"] = es.Url,
            ["elasticsearch.max.buffered.bytes"] = BufferLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["elasticsearch.bulk.max.docs"] = "200",
            ["elasticsearch.bulk.max.bytes"] = "262144",
            ["elasticsearch.flush.interval.ms"] = "200",
            ["elasticsearch.backoff.base.ms"] = "50",
            ["elasticsearch.backoff.max.ms"] = "1000",
            ["elasticsearch.max.retries"] = "3",
            ["elasticsearch.request.timeout.ms"] = "5000",
        }, output);
        var engine = fleet.Start(0);
        await engine.WaitReadyAsync(TimeSpan.FromSeconds(90));

        es.Mode = FakeElasticsearch.BulkMode.Unavailable;
        using (var producer = SpanLoad.CreateProducer(cluster.Bootstrap))
            SpanLoad.Produce(producer, ReliabilityCluster.SourceTopic, load.Messages, 0, load.Messages.Count);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} produced {load.Messages.Count} records; Elasticsearch answers 503");

        string repartition = cluster.ApplicationId + "-spans-by-trace-repartition";
        long maxBuffered = 0;
        var commits = new List<double>();
        double commitFailures = 0;
        async Task WatchAsync(TimeSpan span)
        {
            var end = DateTime.UtcNow + span;
            while (DateTime.UtcNow < end)
            {
                Assert.False(engine.HasExited, "the engine exited while Elasticsearch failed\n" + EngineProcess.Tail(engine.Stdout));
                string? m = await engine.GetAsync("/metrics");
                if (m is not null)
                {
                    maxBuffered = Math.Max(maxBuffered, (long)MetricsScraper.Sum(m, "trace_analytics_sink_buffered_bytes", "sink=\"elasticsearch\""));
                    // The assembly group's offsets on the repartition topic are what the sinks hold back; the
                    // decoding sub-topology (its own group) commits on, since its output is the repartition topic.
                    commits.Add(cluster.CommittedOffsetSum(repartition));
                    commitFailures = MetricsScraper.Sum(m, "trace_analytics_streams_commit_failures_total");
                }
                await Task.Delay(500);
            }
        }
        await Task.Delay(4000); // the first traces complete (gap 2 s) and wait in the sink from here on
        commits.Clear();
        await WatchAsync(TimeSpan.FromSeconds(8));
        es.Mode = FakeElasticsearch.BulkMode.TooManyRequests;
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} Elasticsearch answers 429 (requests and items)");
        await WatchAsync(TimeSpan.FromSeconds(8));
        int indexedDuringFailure = es.Documents.Count;
        long rejected = es.RejectedRequests;
        var (readyStatus, readyBody) = await MetricsScraper.GetStatusAsync(engine.MetricsPort, "/readyz");
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} committed repartition offsets during the failure: {commits.FirstOrDefault()} .. {commits.LastOrDefault()}, " +
                         $"commit failures {commitFailures}; max buffered {maxBuffered} B; /readyz {readyStatus} {readyBody.Trim()}");
        Assert.Equal(0, indexedDuringFailure);
        Assert.True(commits.Count > 10 && commits.Min() == commits.Max(), $"the assembly group committed repartition offsets while Elasticsearch acknowledged nothing: {string.Join(",", commits)}");
        Assert.True(maxBuffered <= BufferLimitBytes + 256 * 1024, $"sink buffer reached {maxBuffered} B (limit {BufferLimitBytes})");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, readyStatus);

        // Die with the unacknowledged documents in memory; the next incarnation must restore and index them.
        fleet.Kill(0);
        engine = fleet.Start(0);
        await Task.Delay(3000);
        es.Mode = FakeElasticsearch.BulkMode.Accept;
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} Elasticsearch accepts again");

        await fleet.WaitCaughtUpAsync(load.Reference.Count, TimeSpan.FromSeconds(120));
        Assert.Equal(0, cluster.UncommittedRecords(repartition));
        string metrics = await engine.GetAsync("/metrics") ?? "";
        double retries = MetricsScraper.Sum(metrics, "trace_analytics_sink_retries_total");
        double backpressure = MetricsScraper.Sum(metrics, "trace_analytics_sink_backpressure_total");
        await fleet.StopAllAsync();

        var docs = es.Documents.Where(kv => kv.Key.Index.StartsWith("trace-features", StringComparison.Ordinal))
            .Select(kv => ("elasticsearch", kv.Key.Id, SpanLoad.Normalize(JsonNode.Parse(kv.Value)!))).ToList();
        FeatureOutput.AssertMatchesReference(load.Reference, docs);
        ReliabilityFigures.Report(output, "elasticsearch-outage", new Dictionary<string, object>
        {
            ["test"] = nameof(Offsets_wait_for_Elasticsearch_through_an_outage_and_a_429_storm_and_every_trace_is_indexed_after),
            ["recordsSent"] = load.Messages.Count,
            ["spansSent"] = load.Spans,
            ["traces"] = load.Reference.Count,
            ["featuresIndexed"] = docs.Count,
            ["bulkRequests"] = es.BulkRequests,
            ["rejectedBulkRequests"] = rejected,
            ["sinkRetries"] = retries,
            ["backpressureWaits"] = backpressure,
            ["commitFailuresDuringFailure"] = commitFailures,
            ["killedDuringFailure"] = 1,
            ["maxBufferedBytes"] = maxBuffered,
            ["peakRss"] = ReliabilityFigures.Mib(fleet.PeakRssBytes),
        });
        _passed = true;
    }

    public void Dispose()
    {
        if (_passed) try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        else output.WriteLine("outputs kept in " + _work);
    }
}
