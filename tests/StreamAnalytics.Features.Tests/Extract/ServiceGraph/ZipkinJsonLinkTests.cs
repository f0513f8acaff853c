using System.Text.Json;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.ServiceGraph;

/// <summary>
/// End to end from Zipkin's own JSON: decode with the production decoder, then extract with <c>auto</c> links. The
/// input lists spans in reverse (as Zipkin reporters tend to send them) and includes an address-only remote endpoint.
/// </summary>
public class ZipkinJsonLinkTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "testdata", "extract", "links", "zipkin-json");

    public static TheoryData<string> Cases() => new(
        Directory.GetFiles(Dir, "*.json")
            .Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal))
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Order(StringComparer.Ordinal));

    [Fact]
    public void Decoded_zipkin_json_gives_the_links_zipkin_draws()
    {
        var features = Extract("shared-rpc-chain");

        Assert.Equal(Expected("shared-rpc-chain"), Actual(features));
        Assert.Equal(0, features.Quality.DuplicateSpanIds);
        Assert.Equal("frontend", features.RootService);
        Assert.Equal(4, features.Depth); // server, client half, shared server half, client
    }

    /// <summary>
    /// <c>&lt;case&gt;.json</c> (Zipkin v2 JSON, one trace) against <c>&lt;case&gt;.expected.json</c>: the shared-span
    /// scenarios of zipkin2's DependencyLinkerTest (late parent id, lost half, reverse order) restated as our own data,
    /// plus loopback spans, the one case where Zipkin does draw a service calling itself.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_zipkin_json_case_gives_the_expected_links(string name)
    {
        var features = Extract(name);
        Assert.Equal(Expected(name), Actual(features));
    }

    /// <summary>
    /// The shared server half reported in two pieces (without, then with its parent id) is one span under every rule
    /// set, in any arrival order: before, <c>parent</c> counted <c>web -&gt; app</c> twice and <c>opentelemetry</c>
    /// added a <c>user -&gt; app</c> call from the parentless piece, depending on which piece came first.
    /// </summary>
    [Theory]
    [InlineData("zipkin", "app->db:direct:1/1 web->app:direct:1/0")]
    [InlineData("parent", "app->db:virtual:1/1 web->app:direct:1/0")]
    [InlineData("opentelemetry", "app->db:virtual:1/1 user->web:virtual:1/0 web->app:direct:1/0")]
    public void A_span_reported_in_two_pieces_counts_once_in_any_order(string semantics, string expected)
    {
        var strings = new StringTable();
        var batch = new SpanBatch();
        Assert.True(SpanDecoders.Create(SpanFormat.ZipkinJson, strings)
            .TryDecode(File.ReadAllBytes(Path.Combine(Dir, "shared-span-server-half-parent-id-arrives-later.json")), batch, out _));
        Span[] spans = batch.Spans.ToArray();
        var extractor = new TraceFeatureExtractor(FeatureConfig.FromProperties(
            new Dictionary<string, string> { [FeatureConfig.LinkSemanticsKey] = semantics }));
        var results = new HashSet<string>();
        foreach (int[] order in Orders(spans.Length))
        {
            Span[] arrived = order.Select(i => spans[i]).ToArray();
            var features = extractor.Extract(new Trace(arrived[0].TraceId, arrived, arrived.Length, strings));
            results.Add(string.Join(" ", features.Edges.Select(e => $"{e.Client}->{e.Server}:{e.ConnectionType}:{e.Calls}/{e.Errors}")));
        }
        Assert.Equal([expected], results);
    }

    private static IEnumerable<int[]> Orders(int n)
    {
        if (n == 1)
        {
            yield return [0];
            yield break;
        }
        foreach (int[] shorter in Orders(n - 1))
        {
            for (int at = 0; at <= shorter.Length; at++)
            {
                var order = new List<int>(shorter);
                order.Insert(at, n - 1);
                yield return order.ToArray();
            }
        }
    }

    private static TraceFeatures Extract(string name)
    {
        var strings = new StringTable();
        var batch = new SpanBatch();
        ISpanDecoder decoder = SpanDecoders.Create(SpanFormat.ZipkinJson, strings);
        Assert.True(decoder.TryDecode(File.ReadAllBytes(Path.Combine(Dir, name + ".json")), batch, out var error), error?.ToString());
        Span[] spans = batch.Spans.ToArray();
        return new TraceFeatureExtractor(FeatureConfig.Default).Extract(new Trace(spans[0].TraceId, spans, spans.Length, strings));
    }

    private static List<(string?, string?, string?, int, int)> Expected(string name)
    {
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, name + ".expected.json")));
        return expected.RootElement.GetProperty("edges").EnumerateArray()
            .Select(e => (e.GetProperty("client").GetString(), e.GetProperty("server").GetString(),
                e.GetProperty("connectionType").GetString(), e.GetProperty("calls").GetInt32(), e.GetProperty("errors").GetInt32()))
            .ToList();
    }

    private static List<(string?, string?, string?, int, int)> Actual(TraceFeatures features) =>
        features.Edges.Select(e => ((string?)e.Client, (string?)e.Server, (string?)e.ConnectionType, e.Calls, e.Errors)).ToList();
}
