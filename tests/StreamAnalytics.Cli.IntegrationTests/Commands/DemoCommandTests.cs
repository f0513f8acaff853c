using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Cli.IntegrationTests.Commands;

public class DemoCommandTests
{
    [Fact]
    public async Task A_short_demo_completes_every_generated_trace_and_reports_paths_roots_and_edges()
    {
        string dir = Directory.CreateTempSubdirectory("demo-").FullName;
        var (code, stdout, stderr) = await CliProcess.RunAsync(
            ["demo", "--duration", "6s", "--rate", "3000", "--out", dir, "--metrics-bind", "127.0.0.1:0"], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, stdout + stderr);

        var summary = System.Text.RegularExpressions.Regex.Match(stdout, @"Report: ([\d,]+) spans produced, ([\d,]+) spans in ([\d,]+) completed traces");
        Assert.True(summary.Success, stdout);
        long produced = long.Parse(summary.Groups[1].Value.Replace(",", ""));
        long inTraces = long.Parse(summary.Groups[2].Value.Replace(",", ""));
        Assert.True(produced > 1000, stdout);
        Assert.Equal(produced, inTraces);
        Assert.Contains("Top service paths", stdout);
        Assert.Contains("api-gateway>frontend", stdout);
        Assert.Contains("Slowest root operations", stdout);
        Assert.Contains("Service graph", stdout);
        Assert.Contains("database", stdout);

        // The file sink holds one action line and one document per completed trace.
        long traces = long.Parse(summary.Groups[3].Value.Replace(",", ""));
        Assert.Equal(2 * traces, File.ReadLines(Path.Combine(dir, "features.bulk.ndjson")).LongCount());
    }
}
