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
