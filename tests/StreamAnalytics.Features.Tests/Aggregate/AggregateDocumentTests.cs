using System.Text.Json;
using StreamAnalytics.Features.Aggregate;
using static StreamAnalytics.Features.Tests.Aggregate.AggregateTestTraces;

namespace StreamAnalytics.Features.Tests.Aggregate;

public class AggregateDocumentTests
{
    [Fact]
    public void The_id_is_stable_across_processes_and_releases()
    {
        // Pinned: a changed id would make a replay write duplicates instead of overwriting.
        string id = AggregateDocument.ComputeId(1_767_225_600_000, AggregateKey.Edge("frontend", "checkout", "direct"), 3);
        Assert.Equal(32, id.Length);
        Assert.Equal(id, AggregateDocument.ComputeId(1_767_225_600_000, AggregateKey.Edge("frontend", "checkout", "direct"), 3));
        Assert.Equal("ffbe633846e6538cc8aa1610dc391218", id);
    }

    [Fact]
    public void The_id_differs_by_window_dimension_kind_and_partition()
    {
        var key = AggregateKey.RootOperation("a", "b");
        string id = AggregateDocument.ComputeId(0, key, 0);
        Assert.NotEqual(id, AggregateDocument.ComputeId(60_000, key, 0));
        Assert.NotEqual(id, AggregateDocument.ComputeId(0, key, 1));
        Assert.NotEqual(id, AggregateDocument.ComputeId(0, AggregateKey.RootOperation("a", "c"), 0));
        Assert.NotEqual(id, AggregateDocument.ComputeId(0, AggregateKey.SpanCount("a", "b"), 0));
        // The separator keeps ("ab", "") and ("a", "b") apart.
        Assert.NotEqual(AggregateDocument.ComputeId(0, AggregateKey.RootOperation("ab", ""), 0), id);
    }

    [Fact]
    public void The_json_document_has_camel_case_fields_dates_and_the_sketch()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig(), partition: 2);
        var (t, f) = Checkout(1, 1_767_225_600_000);
        aggregator.Add(t, f);
        var doc = aggregator.FlushAll().Single(d => d.Kind == AggregateKind.RootOperation);

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) AggregateDocumentJson.Write(writer, doc);
        using var json = JsonDocument.Parse(stream.ToArray());
        var root = json.RootElement;

        Assert.Equal("2026-01-01T00:00:00.000Z", root.GetProperty("windowStart").GetString());
        Assert.Equal("2026-01-01T00:01:00.000Z", root.GetProperty("windowEnd").GetString());
        Assert.Equal("rootOperation", root.GetProperty("kind").GetString());
        Assert.Equal("frontend", root.GetProperty("rootService").GetString());
        Assert.False(root.TryGetProperty("client", out _));
        Assert.Equal(1, root.GetProperty("count").GetInt64());
        Assert.Equal(3.0, root.GetProperty("meanSpanCount").GetDouble());
        Assert.Equal(2, root.GetProperty("partition").GetInt32());
        Assert.False(root.GetProperty("overflow").GetBoolean());
        Assert.Equal(root.GetProperty("bucketBounds").GetArrayLength() + 1, root.GetProperty("bucketCounts").GetArrayLength());
        var sketch = DDSketch.FromBase64(root.GetProperty("sketch").GetString()!);
        Assert.Equal(1, sketch.Count);
        Assert.Equal("2026.01.01", AggregateDocumentJson.DaySuffix(doc.WindowStartMs));
    }
}
