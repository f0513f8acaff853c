using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Issue 19 item 3: an Elasticsearch outage longer than <c>max.poll.interval.ms</c>, with a sink buffer small enough to
/// fill. The stream thread must keep polling with its partitions paused: no member eviction, no rebalance, offsets
/// held while Elasticsearch acknowledges nothing, and after it returns every trace indexed exactly once (a rebalance
/// would rewind the assembly tasks and write traces again).
/// </summary>
/// <remarks>
/// Before the back-pressure hook, <c>ElasticsearchSink.Add</c> waited on a full buffer inside the stream thread:
/// librdkafka left the group after <c>max.poll.interval.ms</c> without a <c>Consume</c>, the partitions were lost when
/// the thread came back, and the rewound tasks re-emitted their traces.
/// </remarks>
public sealed class ElasticsearchBackPressureTests(ITestOutputHelper output) : IDisposable
{
    private const int MaxPollIntervalMs = 8000;
    private const long BufferLimitBytes = 64 * 1024;
    private readonly string _work = Directory.CreateTempSubdirectory("reliability-esbp-").FullName;
    private bool _passed;

    [Fact]
    public async Task An_outage_longer_than_max_poll_interval_pauses_the_partitions_without_a_rebalance_and_indexes_every_trace_once_after()
    {
        var load = await SpanLoad.CreateAsync(6_000, seed: 37, _work);
        using var es = new FakeElasticsearch();
        using var cluster = ReliabilityCluster.Start("esbp", brokers: 1, partitions: 4);
        using var fleet = new EngineFleet(cluster, Path.Combine(_work, "out"), new Dictionary<string, string>
        {
            ["assembly.gap.ms"] = "2000",
            ["assembly.root.grace.ms"] = "2000",
            ["elasticsearch.urls"] = es.Url,
            ["elasticsearch.max.buffered.bytes"] = BufferLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["elasticsearch.bulk.max.docs"] = "50",
            ["elasticsearch.bulk.max.bytes"] = "16384",
            ["elasticsearch.flush.interval.ms"] = "200",
            ["elasticsearch.backoff.base.ms"] = "50",
            ["elasticsearch.backoff.max.ms"] = "500",
            ["elasticsearch.max.retries"] = "2",
            ["elasticsearch.request.timeout.ms"] = "2000",
            // librdkafka wants it at least session.timeout.ms (6 s in EngineProcess).
            ["kafka.consumer.max.poll.interval.ms"] = MaxPollIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, output);
        var engine = fleet.Start(0);
        await engine.WaitReadyAsync(TimeSpan.FromSeconds(90));
        double rebalancesBefore = await SettledRebalancesAsync(engine);

        es.Mode = FakeElasticsearch.BulkMode.Unavailable;
        using (var producer = SpanLoad.CreateProducer(cluster.Bootstrap))
            SpanLoad.Produce(producer, ReliabilityCluster.SourceTopic, load.Messages, 0, load.Messages.Count);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} produced {load.Messages.Count} records; Elasticsearch answers 503; rebalances so far {rebalancesBefore}");

        string repartition = cluster.ApplicationId + "-spans-by-trace-repartition";
        await Task.Delay(4000); // the first traces complete (gap 2 s) and the small buffer fills
        var commits = new List<double>();
        double maxPaused = 0, rebalancesDuring = rebalancesBefore, backpressureSeconds = 0;
        // Well past max.poll.interval.ms: a stream thread that stopped polling for that long has left the group.
        var end = DateTime.UtcNow + TimeSpan.FromMilliseconds(MaxPollIntervalMs * 2.5);
        while (DateTime.UtcNow < end)
        {
            Assert.False(engine.HasExited, "the engine exited while Elasticsearch was down\n" + EngineProcess.Tail(engine.Stdout));
            string? m = await engine.GetAsync("/metrics");
            if (m is not null)
            {
                maxPaused = Math.Max(maxPaused, MetricsScraper.Sum(m, "trace_analytics_streams_paused_partitions"));
                rebalancesDuring = MetricsScraper.Sum(m, "trace_analytics_streams_rebalances_total");
                backpressureSeconds = MetricsScraper.Sum(m, "trace_analytics_streams_backpressure_seconds_total");
                commits.Add(cluster.CommittedOffsetSum(repartition));
            }
            await Task.Delay(500);
        }
        var (readyStatus, readyBody) = await MetricsScraper.GetStatusAsync(engine.MetricsPort, "/readyz");
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} during the outage: paused partitions up to {maxPaused}, back-pressure {backpressureSeconds:F1} s, " +
                         $"committed repartition offsets {commits.FirstOrDefault()} .. {commits.LastOrDefault()}, rebalances {rebalancesDuring}; /readyz {readyStatus} {readyBody.Trim()}");
        Assert.Empty(es.Documents);
        Assert.True(maxPaused > 0, "the sink never blocked: the assembly thread did not pause its partitions (buffer too large for the load?)");
        Assert.True(backpressureSeconds > MaxPollIntervalMs / 1000.0, $"paused for {backpressureSeconds} s only, not longer than max.poll.interval.ms");
        Assert.True(commits.Count > 10 && commits.Min() == commits.Max(), $"the assembly group committed repartition offsets while Elasticsearch acknowledged nothing: {string.Join(",", commits)}");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, readyStatus);

        es.Mode = FakeElasticsearch.BulkMode.Accept;
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} Elasticsearch accepts again");
        await fleet.WaitCaughtUpAsync(load.Reference.Count, TimeSpan.FromSeconds(120));
        Assert.Equal(0, cluster.UncommittedRecords(repartition));
        string metrics = await engine.GetAsync("/metrics") ?? "";
        double rebalancesAfter = MetricsScraper.Sum(metrics, "trace_analytics_streams_rebalances_total");
        double pausedAfter = MetricsScraper.Sum(metrics, "trace_analytics_streams_paused_partitions");
        string log = engine.Stdout;
        await fleet.StopAllAsync();

        Assert.DoesNotContain("maximum poll interval", log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Lost ", log, StringComparison.Ordinal);
        Assert.Equal(rebalancesBefore, rebalancesAfter);
        Assert.Equal(0, pausedAfter);
        var docs = es.Documents.Where(kv => kv.Key.Index.StartsWith("trace-features", StringComparison.Ordinal))
            .Select(kv => ("elasticsearch", kv.Key.Id, SpanLoad.Normalize(JsonNode.Parse(kv.Value)!))).ToList();
        FeatureOutput.AssertMatchesReference(load.Reference, docs);
        var writtenTwice = es.AcceptedWrites.Where(kv => kv.Key.Index.StartsWith("trace-features", StringComparison.Ordinal) && kv.Value != 1).ToList();
        Assert.True(writtenTwice.Count == 0, $"{writtenTwice.Count} trace(s) indexed more than once (re-processed), e.g. {string.Join(", ", writtenTwice.Take(5).Select(kv => $"{kv.Key.Id} x{kv.Value}"))}");
        ReliabilityFigures.Report(output, "elasticsearch-backpressure", new Dictionary<string, object>
        {
            ["test"] = nameof(An_outage_longer_than_max_poll_interval_pauses_the_partitions_without_a_rebalance_and_indexes_every_trace_once_after),
            ["maxPollIntervalMs"] = MaxPollIntervalMs,
            ["recordsSent"] = load.Messages.Count,
            ["spansSent"] = load.Spans,
            ["traces"] = load.Reference.Count,
            ["featuresIndexed"] = docs.Count,
            ["maxPausedPartitions"] = maxPaused,
            ["backpressureSeconds"] = backpressureSeconds,
            ["rebalancesDuringOutage"] = rebalancesAfter - rebalancesBefore,
            ["bulkRequests"] = es.BulkRequests,
            ["peakRss"] = ReliabilityFigures.Mib(fleet.PeakRssBytes),
        });
        _passed = true;
    }

    /// <summary>The rebalance counter once two scrapes a second apart agree (both groups have settled their assignment).</summary>
    private static async Task<double> SettledRebalancesAsync(EngineProcess engine)
    {
        double last = -1;
        for (int i = 0; i < 60; i++)
        {
            string? m = await engine.GetAsync("/metrics");
            double now = m is null ? -1 : MetricsScraper.Sum(m, "trace_analytics_streams_rebalances_total");
            if (now > 0 && now == last) return now;
            last = now;
            await Task.Delay(1000);
        }
        throw new TimeoutException("the rebalance counter did not settle");
    }

    public void Dispose()
    {
        if (_passed) try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        else output.WriteLine("outputs kept in " + _work);
    }
}
