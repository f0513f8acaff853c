using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Issue 22: engines of one application split the heavy work. Each sub-topology runs in its own consumer group, so
/// every engine owns its share of the decode tasks (sub-topology 0) and of the assembly tasks (sub-topology 1), as
/// the per-instance gauge <c>trace_analytics_streams_tasks_owned</c> shows, and assembles its share of the spans.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output) : IDisposable
{
    private const int Partitions = 6;
    private readonly string _work = Directory.CreateTempSubdirectory("reliability-scaleout-").FullName;
    private bool _passed;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Every_engine_owns_its_share_of_each_subtopology_and_assembles_its_share_of_the_spans(int engines)
    {
        var load = await SpanLoad.CreateAsync(30_000, seed: 22, _work);
        using var cluster = ReliabilityCluster.Start("scaleout", partitions: Partitions);
        using var fleet = new EngineFleet(cluster, Path.Combine(_work, "out"), new Dictionary<string, string>(), output);
        for (int i = 0; i < engines; i++) fleet.Start(i);
        for (int i = 0; i < engines; i++) await fleet[i].WaitReadyAsync(TimeSpan.FromSeconds(90));

        var tasks = new int[engines, 2];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!Balanced(tasks, engines))
        {
            Assert.True(DateTime.UtcNow < deadline, $"tasks per engine and sub-topology never balanced: {Describe(tasks, engines)}");
            await Task.Delay(500);
            for (int i = 0; i < engines; i++)
            {
                string metrics = await fleet[i].GetAsync("/metrics") ?? "";
                for (int sub = 0; sub < 2; sub++) tasks[i, sub] = (int)MetricsScraper.Sum(metrics, "trace_analytics_streams_tasks_owned", $"subtopology=\"{sub}\"");
            }
        }
        output.WriteLine($"{engines} engines, tasks per engine (sub-topology 0/1): {Describe(tasks, engines)}");

        using (var producer = SpanLoad.CreateProducer(cluster.Bootstrap))
            await SpanLoad.ProducePacedAsync(producer, ReliabilityCluster.SourceTopic, load.Messages, chunks: 8, TimeSpan.FromMilliseconds(500));
        await fleet.WaitCaughtUpAsync(load.Reference.Count, TimeSpan.FromSeconds(180));
        await fleet.StopAllAsync();

        var docs = FeatureOutput.ReadAll(Path.Combine(_work, "out"));
        FeatureOutput.AssertMatchesReference(load.Reference, docs);
        var spansPerEngine = docs.GroupBy(d => d.Engine).ToDictionary(g => g.Key, g => g.Sum(d => JsonNode.Parse(d.Document)!["spanCount"]!.GetValue<long>()));
        foreach (var (engine, spans) in spansPerEngine.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"{engine}: assembled {spans} spans in {docs.Count(d => d.Engine == engine)} traces");
        Assert.Equal(engines, spansPerEngine.Count);
        long max = spansPerEngine.Values.Max(), min = spansPerEngine.Values.Min();
        // 60/40 for two engines; no engine assembles more than 1.5 times another's spans in general.
        Assert.True(max <= 1.5 * min, $"spans assembled per engine: {string.Join(", ", spansPerEngine.Select(kv => $"{kv.Key}={kv.Value}"))}");
        _passed = true;
    }

    /// <summary>Each sub-topology's six tasks all owned, and the engines' counts within one of each other.</summary>
    private static bool Balanced(int[,] tasks, int engines)
    {
        for (int sub = 0; sub < 2; sub++)
        {
            int sum = 0, max = int.MinValue, min = int.MaxValue;
            for (int i = 0; i < engines; i++)
            {
                sum += tasks[i, sub];
                max = Math.Max(max, tasks[i, sub]);
                min = Math.Min(min, tasks[i, sub]);
            }
            if (sum != Partitions || max - min > 1) return false;
        }
        return true;
    }

    private static string Describe(int[,] tasks, int engines) =>
        string.Join(", ", Enumerable.Range(0, engines).Select(i => $"engine{i} {tasks[i, 0]}/{tasks[i, 1]}"));

    public void Dispose()
    {
        if (_passed) try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        else output.WriteLine("outputs kept in " + _work);
    }
}
