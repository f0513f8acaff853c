using System.Text;
using System.Text.Json;
using StreamAnalytics.Cli.Pipeline;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Cli.Tests.Pipeline;

/// <summary>
/// The Zipkin JSON link cases of the feature tests (<c>testdata/extract/links/zipkin-json</c>: the shared-span scenarios
/// of zipkin2's DependencyLinkerTest restated as our own data, and loopback spans) replayed as <c>replay</c> runs them:
/// one message per span in file order, so the halves of a shared span reach the assembler separately and cross the
/// repartition codec (which must carry the shared flag). Default settings, so <c>auto</c> links.
/// </summary>
public class ZipkinSharedSpanReplayTests
{
    private static readonly string Dir = Path.GetDirectoryName(RepositoryFiles.Find(
        Path.Combine("tests", "StreamAnalytics.Features.Tests", "testdata", "extract", "links", "zipkin-json", "shared-rpc-chain.json")))!;

    public static TheoryData<string> Cases() => new(
        Directory.GetFiles(Dir, "*.json")
            .Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal))
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Replayed_span_by_span_the_case_gives_the_expected_links_and_never_a_false_self_link(string name)
    {
        var sink = new CollectingSink();
        using (var run = new OfflineRun(SpanFormat.ZipkinJson, AssemblyConfig.Default, FeatureConfig.Default, AggregateConfig.Default,
            [sink], _ => { }, new StringTable()))
        {
            using var spans = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, name + ".json")));
            foreach (JsonElement span in spans.RootElement.EnumerateArray())
                run.Process(Encoding.UTF8.GetBytes("[" + span.GetRawText() + "]"));
            run.Complete();
            run.Flush(CancellationToken.None);
        }

        TraceFeatures trace = Assert.Single(sink.Features);
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, name + ".expected.json")));
        var want = expected.RootElement.GetProperty("edges").EnumerateArray()
            .Select(e => (e.GetProperty("client").GetString(), e.GetProperty("server").GetString(),
                e.GetProperty("connectionType").GetString(), e.GetProperty("calls").GetInt32(), e.GetProperty("errors").GetInt32()))
            .ToList();
        Assert.Equal(want, trace.Edges.Select(e => ((string?)e.Client, (string?)e.Server, (string?)e.ConnectionType, e.Calls, e.Errors)).ToList());
        // Only a loopback span (local and remote service the same) is a service calling itself.
        if (!name.StartsWith("loopback", StringComparison.Ordinal))
            Assert.DoesNotContain(trace.Edges, e => e.Client == e.Server);
    }

    private sealed class CollectingSink : ISink
    {
        public List<TraceFeatures> Features { get; } = new();
        public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) => Features.Add(document.Features);
        public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) { }
        public void Flush(CancellationToken cancellationToken) { }
    }
}
