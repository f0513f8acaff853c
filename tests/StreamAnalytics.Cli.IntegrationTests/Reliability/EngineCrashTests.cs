using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Issue 4/8: engine processes sharing a topic (same application.id, at_least_once) are SIGKILLed at seeded random
/// points while consuming and restarted; every trace must still come out complete, with the features the offline
/// replay computes, and duplicates identical in content.
/// </summary>
public sealed class EngineCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reliability-crash-").FullName;

    /// <summary>
    /// Gap and root grace exceed the longest stall of a source partition (two kills in a row of its owner: twice the
    /// 3 s session timeout, plus restarts and restores). Otherwise the repartition task's stream time, driven by the
    /// partitions still flowing, closes a trace whose other half waits in the stalled partition; the rest then comes
    /// as a late revision (documented policy, but not the whole trace the first time).
    /// </summary>
    internal static readonly Dictionary<string, string> Settings = new()
    {
        ["assembly.gap.ms"] = "20000",
        ["assembly.root.grace.ms"] = "20000",
        ["kafka.consumer.session.timeout.ms"] = "3000",
        ["kafka.consumer.heartbeat.interval.ms"] = "300",
    };

    private bool _passed;

    [Fact]
    public async Task Every_trace_comes_out_whole_and_correct_when_two_then_three_engines_are_SIGKILLed_mid_stream()
    {
        var load = await SpanLoad.CreateAsync(40_000, seed: 11, _work);
        using var cluster = ReliabilityCluster.Start("crash");
        using var fleet = new EngineFleet(cluster, Path.Combine(_work, "out"), Settings, output);
        fleet.Start(0);
        fleet.Start(1);
        await fleet[0].WaitReadyAsync(TimeSpan.FromSeconds(90));
        await fleet[1].WaitReadyAsync(TimeSpan.FromSeconds(90));

        // 24 chunks of the input, ~0.8 s apart (about 20 s of load); 6 kills at seeded chunks, the third engine joins
        // halfway. A victim is killed only once it is ready (assigned, restored) and has consumed for a random while,
        // so each kill lands mid-processing: open traces in the store, outputs written but not yet committed.
        var random = new Random(20261121);
        const int chunks = 24;
        var killAt = Enumerable.Range(2, chunks - 3).OrderBy(_ => random.Next()).Take(6).ToHashSet();
        using (var producer = SpanLoad.CreateProducer(cluster.Bootstrap))
        {
            int per = (load.Messages.Count + chunks - 1) / chunks;
            for (int c = 0; c < chunks; c++)
            {
                SpanLoad.Produce(producer, ReliabilityCluster.SourceTopic, load.Messages, c * per, Math.Min(load.Messages.Count, (c + 1) * per));
                if (c == chunks / 2) fleet.Start(2);
                await Task.Delay(600 + random.Next(400));
                if (killAt.Contains(c))
                {
                    var slots = fleet.RunningSlots.Order().ToList();
                    int victim = slots[random.Next(slots.Count)];
                    await fleet[victim].WaitReadyAsync(TimeSpan.FromSeconds(90));
                    await Task.Delay(random.Next(1500));
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {FeatureOutput.DistinctTraces(Path.Combine(_work, "out"))} traces written so far");
                    fleet.Kill(victim);
                    // Restart at once or after a pause, so some kills hit an engine that was still restoring.
                    if (random.Next(2) == 0) await Task.Delay(random.Next(1500));
                    fleet.Start(victim);
                }
            }
        }

        await fleet.WaitCaughtUpAsync(load.Reference.Count, TimeSpan.FromSeconds(180));
        await fleet.StopAllAsync();

        var docs = FeatureOutput.ReadAll(Path.Combine(_work, "out"));
        var (documents, duplicates) = FeatureOutput.AssertMatchesReference(load.Reference, docs);
        int deadLettered = cluster.ReadAll(cluster.DeadLetterTopic, TimeSpan.FromSeconds(30)).Count;
        Assert.Equal(0, deadLettered);
        ReliabilityFigures.Report(output, "sigkill", new Dictionary<string, object>
        {
            ["test"] = nameof(Every_trace_comes_out_whole_and_correct_when_two_then_three_engines_are_SIGKILLed_mid_stream),
            ["recordsSent"] = load.Messages.Count,
            ["spansSent"] = load.Spans,
            ["traces"] = load.Reference.Count,
            ["kills"] = fleet.Kills,
            ["engineStarts"] = fleet.Starts,
            ["featuresEmitted"] = documents,
            ["duplicates"] = duplicates,
            ["deadLettered"] = deadLettered,
            ["peakRss"] = ReliabilityFigures.Mib(fleet.PeakRssBytes),
        });
        Assert.True(fleet.Kills >= 5);
        _passed = true;
    }

    public void Dispose()
    {
        // Kept on failure, for the engines' outputs.
        if (_passed) try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        else output.WriteLine("outputs kept in " + _work);
    }
}
