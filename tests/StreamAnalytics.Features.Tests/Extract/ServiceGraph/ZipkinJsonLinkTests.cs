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

    [Fact]
    public void Decoded_zipkin_json_gives_the_links_zipkin_draws()
    {
        var strings = new StringTable();
        var batch = new SpanBatch();
        ISpanDecoder decoder = SpanDecoders.Create(SpanFormat.ZipkinJson, strings);
        Assert.True(decoder.TryDecode(File.ReadAllBytes(Path.Combine(Dir, "shared-rpc-chain.json")), batch, out var error), error?.ToString());
        Span[] spans = batch.Spans.ToArray();

        var features = new TraceFeatureExtractor(FeatureConfig.Default)
            .Extract(new Trace(spans[0].TraceId, spans, spans.Length, strings));

        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "shared-rpc-chain.expected.json")));
        Assert.Equal(
            expected.RootElement.GetProperty("edges").EnumerateArray()
                .Select(e => (e.GetProperty("client").GetString(), e.GetProperty("server").GetString(),
                    e.GetProperty("connectionType").GetString(), e.GetProperty("calls").GetInt32(), e.GetProperty("errors").GetInt32())),
            features.Edges.Select(e => ((string?)e.Client, (string?)e.Server, (string?)e.ConnectionType, e.Calls, e.Errors)));
        Assert.Equal(0, features.Quality.DuplicateSpanIds);
        Assert.Equal("frontend", features.RootService);
        Assert.Equal(4, features.Depth); // server, client half, shared server half, client
    }
}
