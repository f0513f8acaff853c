using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Issue 8: instances joining and leaving (gracefully, SIGTERM) while spans flow. Partitions move with their open
/// traces (committed and handed over through the changelog), so no trace is split between instances: each comes out
/// once, whole, from one instance.
/// </summary>
public sealed class RebalanceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reliability-rebalance-").FullName;
    private bool _passed;

    [Fact]
    public async Task Instances_joining_and_leaving_under_load_never_split_or_lose_a_trace()
    {
        var load = await SpanLoad.CreateAsync(30_000, seed: 51, _work);
        using var cluster = ReliabilityCluster.Start("rebalance", brokers: 3, partitions: 6);
        // The gap must exceed a hand-over (revoke, commit, restore elsewhere: a few seconds on this machine), or the
        // repartition task's stream time, driven by the partitions that keep flowing, closes a trace whose other half
        // waits in the moving partition (it then comes out as a late revision). 10 s still lets traces complete on
        // every instance while the ~13 s of load runs.
        using var fleet = new EngineFleet(cluster, Path.Combine(_work, "out"), new Dictionary<string, string> { ["assembly.gap.ms"] = "10000", ["assembly.root.grace.ms"] = "10000" }, output);
        fleet.Start(0);
        await fleet[0].WaitReadyAsync(TimeSpan.FromSeconds(90));

        // 16 chunks ~0.8 s apart; membership changes at fixed chunks: join, join, leave, join, leave, leave.
        var changes = new Dictionary<int, Func<Task>>
        {
            [2] = () => { fleet.Start(1); return Task.CompletedTask; },
            [4] = () => { fleet.Start(2); return Task.CompletedTask; },
            [7] = () => fleet.StopAsync(0),
            [9] = () => { fleet.Start(3); return Task.CompletedTask; },
            [11] = () => fleet.StopAsync(1),
            [13] = () => fleet.StopAsync(2),
        };
        const int chunks = 16;
        int per = (load.Messages.Count + chunks - 1) / chunks;
        using (var producer = SpanLoad.CreateProducer(cluster.Bootstrap))
        {
            for (int c = 0; c < chunks; c++)
            {
                SpanLoad.Produce(producer, ReliabilityCluster.SourceTopic, load.Messages, c * per, Math.Min(load.Messages.Count, (c + 1) * per));
                if (changes.TryGetValue(c, out var change)) await change();
                await Task.Delay(800);
            }
        }
        await fleet.WaitCaughtUpAsync(load.Reference.Count, TimeSpan.FromSeconds(120));
        await fleet.StopAllAsync();

        var docs = FeatureOutput.ReadAll(Path.Combine(_work, "out"));
        // The last document of each trace (its highest revision) must be the whole trace. An earlier, partial revision
        // is the documented late-span policy, not a split: it happens when one source partition lags the others by
        // more than the gap during a hand-over (stream time closes the trace, the rest arrives as revision 1). Counted.
        var last = docs.GroupBy(d => d.TraceId).Select(g => g.Last()).ToList();
        FeatureOutput.AssertMatchesReference(load.Reference, last);
        int superseded = docs.Count - last.Count;
        int partialRevisions = docs.Count(d => load.Reference[d.TraceId] != d.Document);
        // A split would leave each instance with part of a trace: no instance's document would be whole. A trace may
        // still have documents from two instances when one emitted a partial revision before a hand-over and the next
        // owner, which restored it, emitted the complete late revision (the documented policy), or when at-least-once
        // re-emits an identical document after a hand-over. So every trace must have a whole document, and the traces
        // seen on two instances are counted.
        var multiInstance = docs.GroupBy(d => d.TraceId).Where(g => g.Select(d => d.Engine).Distinct().Count() > 1).ToList();
        var split = multiInstance.Where(g => !g.Any(d => load.Reference[g.Key] == d.Document)).ToList();
        Assert.True(split.Count == 0, $"{split.Count} traces were split between instances (no whole document), e.g. {split.FirstOrDefault()?.Key}");
        int documents = docs.Count, duplicates = superseded - partialRevisions;
        // Duplicates are identical to the reference (checked above) and at-least-once allows them; graceful hand-overs
        // still re-emit some traces (0 to 74 seen across clean-clone runs, cause not yet traced), so bound them: at most
        // one extra document per trace.
        Assert.InRange(duplicates, 0, load.Reference.Count);
        ReliabilityFigures.Report(output, "rebalance", new Dictionary<string, object>
        {
            ["test"] = nameof(Instances_joining_and_leaving_under_load_never_split_or_lose_a_trace),
            ["recordsSent"] = load.Messages.Count,
            ["spansSent"] = load.Spans,
            ["traces"] = load.Reference.Count,
            ["membershipChanges"] = changes.Count,
            ["instancesThatEmitted"] = docs.Select(d => d.Engine).Distinct().Count(),
            ["featuresEmitted"] = documents,
            ["duplicates"] = duplicates,
            ["partialEarlierRevisions"] = partialRevisions,
            ["tracesWithDocumentsFromTwoInstances"] = multiInstance.Count,
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
