using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Issue 8: far more open traces than assembly.max.open.bytes allows (about 9 MB of open spans against 1 MiB for each
/// of the 4 tasks, nothing completing by time for 15 s). The engine completes the oldest traces early (memoryPressure, counted
/// on /metrics), keeps each store within its budget, keeps running, and loses no trace: spans arriving after an early
/// completion reopen the trace as a revision with all its spans.
/// </summary>
public sealed class MemoryPressureTests(ITestOutputHelper output) : IDisposable
{
    private const long BudgetBytes = 1L << 20;
    private readonly string _work = Directory.CreateTempSubdirectory("reliability-memory-").FullName;
    private bool _passed;

    [Fact]
    public async Task Traces_complete_early_within_the_byte_budget_and_none_is_lost()
    {
        var load = await SpanLoad.CreateAsync(120_000, seed: 41, _work);
        // 4 partitions keep each under the mock broker's log limit (librdkafka's mock keeps at most 5 MB / 100 000
        // messages per partition and drops the oldest beyond it, which would look like data loss).
        using var cluster = ReliabilityCluster.Start("mem", brokers: 1, partitions: 4);
        using var fleet = new EngineFleet(cluster, Path.Combine(_work, "out"), new Dictionary<string, string>
        {
            ["assembly.gap.ms"] = "15000",
            ["assembly.root.grace.ms"] = "15000",
            ["assembly.max.open.bytes"] = BudgetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, output);
        var engine = fleet.Start(0);
        await engine.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using (var producer = SpanLoad.CreateProducer(cluster.Bootstrap))
            await SpanLoad.ProducePacedAsync(producer, ReliabilityCluster.SourceTopic, load.Messages, 24, TimeSpan.FromMilliseconds(300));

        double maxStoreBytesPerTask = 0, pressure = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && (pressure == 0 || DateTime.UtcNow < deadline - TimeSpan.FromSeconds(20)))
        {
            string? m = await engine.GetAsync("/metrics");
            if (m is not null)
            {
                foreach (string line in m.Split('\n'))
                    if (line.StartsWith("trace_analytics_assembly_store_bytes{", StringComparison.Ordinal) && double.TryParse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture, out double v))
                        maxStoreBytesPerTask = Math.Max(maxStoreBytesPerTask, v);
                pressure = MetricsScraper.Sum(m, "trace_analytics_assembly_traces_completed_total", "reason=\"memoryPressure\"");
            }
            await Task.Delay(250);
        }
        Assert.True(pressure > 0, "no trace completed for memory pressure");
        Assert.True(maxStoreBytesPerTask <= BudgetBytes, $"a store held {maxStoreBytesPerTask} B (budget {BudgetBytes})");

        await fleet.WaitCaughtUpAsync(load.Reference.Count, TimeSpan.FromSeconds(90));
        string final = await engine.GetAsync("/metrics") ?? "";
        pressure = MetricsScraper.Sum(final, "trace_analytics_assembly_traces_completed_total", "reason=\"memoryPressure\"");
        double late = MetricsScraper.Sum(final, "trace_analytics_assembly_traces_completed_total", "reason=\"late\"");
        await fleet.StopAllAsync();

        // Every trace came out; its last revision holds all its spans (earlier, early-completed revisions may not).
        var docs = FeatureOutput.ReadAll(Path.Combine(_work, "out"));
        var last = docs.GroupBy(d => d.TraceId).Select(g => g.Last()).ToList();
        FeatureOutput.AssertMatchesReference(load.Reference, last);
        int earlyPartial = docs.Count(d => load.Reference.TryGetValue(d.TraceId, out string? r) && r != d.Document);
        ReliabilityFigures.Report(output, "memory-pressure", new Dictionary<string, object>
        {
            ["test"] = nameof(Traces_complete_early_within_the_byte_budget_and_none_is_lost),
            ["recordsSent"] = load.Messages.Count,
            ["spansSent"] = load.Spans,
            ["traces"] = load.Reference.Count,
            ["featuresEmitted"] = docs.Count,
            ["completedMemoryPressure"] = pressure,
            ["lateRevisions"] = late,
            ["earlyPartialRevisions"] = earlyPartial,
            ["maxStoreBytesPerTask"] = maxStoreBytesPerTask,
            ["budgetBytesPerTask"] = BudgetBytes,
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
