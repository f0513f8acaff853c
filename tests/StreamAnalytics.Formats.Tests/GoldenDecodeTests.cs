using System.Text;
using StreamAnalytics.Formats.Tests.Support;

namespace StreamAnalytics.Formats.Tests;

/// <summary>Hand-written messages in each ecosystem's own JSON shape, decoded against hand-derived expectations.</summary>
public class GoldenDecodeTests
{
    [Fact]
    public void An_otlp_json_request_decodes_to_the_expected_spans()
    {
        List<SpanView> actual = TestData.Decode(SpanFormat.OtlpJson, TestData.Bytes("otlp.input.json"));
        GoldenFile.AssertMatches("otlp.expected.json", actual);
    }

    [Fact]
    public void Jaeger_json_spans_as_the_collector_writes_them_decode_to_the_expected_spans()
    {
        byte[][] lines = File.ReadAllLines(TestData.Path("jaeger.input.ndjson"))
            .Where(l => l.Length > 0).Select(Encoding.UTF8.GetBytes).ToArray();
        List<SpanView> actual = TestData.Decode(SpanFormat.JaegerJson, lines);
        GoldenFile.AssertMatches("jaeger.expected.json", actual);
    }

    [Fact]
    public void A_zipkin_v2_json_list_decodes_to_the_expected_spans()
    {
        List<SpanView> actual = TestData.Decode(SpanFormat.ZipkinJson, TestData.Bytes("zipkin.input.json"));
        GoldenFile.AssertMatches("zipkin.expected.json", actual);
    }
}
