using System.Text;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Cli.Pipeline;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Streams.Testing;

namespace StreamAnalytics.Cli.Tests.Pipeline;

/// <summary>
/// <c>assembly.trace.id.strict</c> through the job's own topology (<see cref="TraceTopologyFactory"/>) and through
/// <c>replay</c>: a Zipkin call whose client half carries the 128-bit trace id and whose shared server half carries only
/// the lower 64 bits (a hop that propagates 64-bit B3 ids) is two traces by default and one, with the call, when joined.
/// </summary>
public class MixedWidthTraceIdTopologyTests
{
    private const string Wide = "463ac35c9f6413ad48485a3953bb6124";
    private const string Narrow = "48485a3953bb6124";
    private const long T0Ms = 1_767_225_600_000;

    // web's root server span and its client half, 128-bit; neither names a remote endpoint, so only the server half,
    // found under the client half, can say that web called app.
    private static readonly byte[] WebMessage = Encoding.UTF8.GetBytes($$$"""
        [{"traceId":"{{{Wide}}}","id":"00000000000000a1","kind":"SERVER","name":"get /","timestamp":{{{T0Ms * 1000}}},"duration":100000,
          "localEndpoint":{"serviceName":"web"}},
         {"traceId":"{{{Wide}}}","parentId":"00000000000000a1","id":"00000000000000b2","kind":"CLIENT","name":"get /api","timestamp":{{{T0Ms * 1000 + 10000}}},"duration":80000,
          "localEndpoint":{"serviceName":"web"}}]
        """);

    // app's shared server half of the same call, 64-bit.
    private static readonly byte[] AppMessage = Encoding.UTF8.GetBytes($$$"""
        [{"traceId":"{{{Narrow}}}","parentId":"00000000000000a1","id":"00000000000000b2","kind":"SERVER","name":"get /api","timestamp":{{{T0Ms * 1000 + 12000}}},"duration":70000,
          "shared":true,"localEndpoint":{"serviceName":"app"}}]
        """);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_streaming_topology_joins_the_two_halves_only_when_not_strict(bool strict)
    {
        var settings = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["application.id"] = "mixed-width",
            ["kafka.bootstrap.servers"] = "placeholder:9092",
            ["source.topics"] = "spans",
            ["source.format"] = "zipkin_json",
            ["repartition.partitions"] = "8",
            [AssemblyConfig.TraceIdStrictKey] = strict ? "true" : "false",
        }));
        Assert.Equal(strict, settings.Assembly.TraceIdStrict);
        var sink = new CollectingSink();
        var topology = TraceTopologyFactory.Build(settings, [sink], metrics: null, TimeProvider.System, new StringTable());
        using var driver = new TopologyTestDriver(topology, settings.Streams, partitionsPerTopic: 8);

        // Two source partitions, as two reporters would send them.
        driver.PipeInput("spans", null, WebMessage, T0Ms, partition: 0);
        driver.PipeInput("spans", null, AppMessage, T0Ms + 10, partition: 1);
        driver.AdvanceWallClockTime(TimeSpan.FromMilliseconds(settings.Assembly.GapMs * 2));

        AssertTraces(strict, sink.Features);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Replay_joins_them_the_same_way(bool strict)
    {
        var sink = new CollectingSink();
        using (var run = new OfflineRun(SpanFormat.ZipkinJson, new AssemblyConfig { TraceIdStrict = strict }, FeatureConfig.Default,
            AggregateConfig.Default, [sink], _ => { }, new StringTable()))
        {
            run.Process(WebMessage);
            run.Process(AppMessage);
            run.Complete();
            run.Flush(CancellationToken.None);
        }
        AssertTraces(strict, sink.Features);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void Jaeger_input_is_repartitioned_by_our_key_when_ids_are_joined(string strict, bool keyedByTraceId)
    {
        // A Jaeger-keyed topic places a 64-bit and a 128-bit id by their own hex keys, so joining them needs the hop.
        var settings = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["kafka.bootstrap.servers"] = "placeholder:9092",
            ["source.format"] = "jaeger_proto",
            [AssemblyConfig.TraceIdStrictKey] = strict,
        }));
        Assert.Equal(keyedByTraceId, settings.KeyedByTraceId);
    }

    private static void AssertTraces(bool strict, List<TraceFeatures> traces)
    {
        if (strict)
        {
            Assert.Equal(2, traces.Count);
            Assert.Equal(["000000000000000048485a3953bb6124", Wide], traces.Select(t => t.TraceId).Order(StringComparer.Ordinal));
            Assert.All(traces, t => Assert.DoesNotContain(t.Edges, e => e.Client == "web" && e.Server == "app"));
            return;
        }
        TraceFeatures joined = Assert.Single(traces);
        Assert.Equal(Wide, joined.TraceId); // the 128-bit form, as Zipkin reports a joined trace
        Assert.Equal(3, joined.SpanCount);
        Edge call = Assert.Single(joined.Edges);
        Assert.Equal(("web", "app", 1, 0), (call.Client, call.Server, call.Calls, call.Errors));
    }

    private sealed class CollectingSink : ISink
    {
        public List<TraceFeatures> Features { get; } = new();
        public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) => Features.Add(document.Features);
        public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) { }
        public void Flush(CancellationToken cancellationToken) { }
    }
}
