using System.Text.Json;

namespace StreamAnalytics.Bench.Tests;

/// <summary>The bench exe end to end on a tiny load (no figure is judged: tests never assert timings).</summary>
public class BenchCommandTests
{
    private static readonly string[] Figures =
    [
        "inProcessSpansPerSec", "decodeOnlySpansPerSec", "rawConsumeSpansPerSec", "endToEndSpansPerSec",
        "endToEndVsRaw", "inProcessVsDecode", "bytesPerOpenSpan", "completionLatencyP99Ms", "restoreSpansPerSec", "inputBytesPerSpan",
        "endToEndVsInProcess", "bookBareSpansPerSec", "bookOursSpansPerSec", "bookStreamizSpansPerSec", "bookOursVsBare",
        "bookOursVsStreamiz", "bookOursCpuUsPerSpan", "bookStreamizCpuUsPerSpan",
    ];

    [Fact]
    public async Task A_tiny_run_writes_every_figure_as_a_positive_number_to_the_json_file()
    {
        string dir = Directory.CreateTempSubdirectory("bench-").FullName;
        string json = Path.Combine(dir, "bench.json");
        // The embedded cluster, whatever the environment says: the test must not depend on an outside broker.
        var env = new Dictionary<string, string> { ["KAFKA_BOOTSTRAP"] = "" };

        var (code, stdout, stderr) = await BenchProcess.RunAsync(["--spans", "20000", "--book-spans", "20000", "--book-runs", "1", "--json", json], TimeSpan.FromMinutes(5), env);

        Assert.True(code == 0, $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("inProcessSpansPerSec", stdout); // the table
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        foreach (string name in Figures)
        {
            Assert.True(doc.RootElement.TryGetProperty(name, out JsonElement value), $"{name} missing from {json}");
            Assert.True(value.ValueKind == JsonValueKind.Number && value.GetDouble() > 0, $"{name} is {value}");
        }
        Assert.True(doc.RootElement.GetProperty("spans").GetInt64() >= 20000);

        // The book job: both engines' outputs were checked trace by trace (summed per trace) before the ratios were
        // written. At least one record per trace; a trace whose spans a stalled thread saw more than a gap apart comes
        // out in two records, on a loaded machine, so "exactly one" would be a timing assertion.
        long bookTraces = doc.RootElement.GetProperty("bookTraces").GetInt64();
        Assert.True(bookTraces > 0);
        Assert.True(doc.RootElement.GetProperty("bookOursRecords").GetInt64() >= bookTraces);
        Assert.True(doc.RootElement.GetProperty("bookStreamizRecords").GetInt64() >= bookTraces);
        Assert.Contains("outputs equal per trace in every run", stdout);

        // The job's Kafka writes, by topic, from the runtime's produced counters. The aggregates changelog is written at
        // commits (every second), so a tiny run may end before it; the other three are written per span or per trace.
        var writes = doc.RootElement.GetProperty("kafkaWrites").EnumerateArray()
            .ToDictionary(w => w.GetProperty("topic").GetString()!, w => w.GetProperty("bytesPerSpan").GetDouble());
        foreach (string topic in new[] { "{app}-open-traces-changelog", "{app}-spans-by-trace-repartition", "{app}-trace-features" })
            Assert.True(writes.GetValueOrDefault(topic) > 0, $"{topic}: {writes.GetValueOrDefault(topic)} bytes per span");
        Assert.All(writes.Keys, t => Assert.StartsWith("{app}-", t));
        Assert.Contains("Kafka writes of the job per input span", stdout);
    }
}
