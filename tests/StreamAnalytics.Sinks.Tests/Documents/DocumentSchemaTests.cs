using System.Text.Json;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Sinks.Documents;

namespace StreamAnalytics.Sinks.Tests.Documents;

/// <summary>Issue 20.2: every field the document writers emit has a mapping in its index template.</summary>
public class DocumentSchemaTests
{
    /// <summary>Every feature filled, and capped (so <c>omitted</c> is written too).</summary>
    internal static TraceFeatures Rich()
    {
        TraceFeatures f = TestDocuments.Features(0x5eed);
        for (int i = 0; i < 15; i++) f.SpanCounts["svc::op-" + i] = i + 1;
        f.CriticalPath =
        [
            new CriticalPathSection { SpanId = "0000000000000001", Service = "frontend", StartUs = 0, EndUs = 10 },
            new CriticalPathSection { SpanId = "0000000000000002", Service = "checkout", StartUs = 10, EndUs = 90 },
        ];
        f.CriticalPathByService = new(StringComparer.Ordinal) { ["frontend"] = 10, ["checkout"] = 80 };
        f.SelfTimeByOperation = new(StringComparer.Ordinal) { ["frontend::GET /checkout"] = 10, ["checkout::POST /pay"] = 80 };
        f.NetworkLatencies = [new NetworkLatency { Client = "frontend", Server = "checkout", Count = 1, TotalUs = 500, MaxUs = 500 }];
        f.Quality = new TraceQuality { OrphanSpans = 1, DuplicateSpanIds = 1, ClockSkewSpans = 1, Truncated = true, DroppedSpans = 3, CycleSpans = 1 };
        return f;
    }

    private static readonly DocumentCaps SmallCaps = new(new FeatureConfig { MaxDocumentEntries = 10, MaxCriticalPathSections = 10 });

    [Fact]
    public void Every_field_of_a_rich_features_document_is_mapped_by_the_features_template()
    {
        FeaturesDocument doc = FeaturesDocument.Create(Rich(), caps: SmallCaps);
        Assert.NotNull(doc.Written.Omitted); // the rich document includes the omitted object
        using var json = JsonDocument.Parse(doc.Utf8);
        var missing = Unmapped(json.RootElement, IndexTemplates.Features("trace-features").Body);
        Assert.Empty(missing);
        // The walk reached every list's elements.
        foreach (string field in new[] { "edges", "networkLatencies", "criticalPath", "servicePathList", "omitted", "quality" })
            Assert.True(json.RootElement.TryGetProperty(field, out _), field);
    }

    [Fact]
    public void Every_field_of_every_aggregate_kind_is_mapped_by_the_aggregates_template()
    {
        var docs = TestDocuments.Aggregates();
        Assert.True(docs.Count >= 5, $"{docs.Count} aggregate documents");
        foreach (var aggregate in docs)
        {
            var sink = SinkDocument.ForAggregate(aggregate, "trace-aggregates");
            using var json = JsonDocument.Parse(sink.Source);
            Assert.Empty(Unmapped(json.RootElement, IndexTemplates.Aggregates("trace-aggregates").Body));
        }
    }

    [Fact]
    public void The_walk_finds_a_field_the_template_does_not_map()
    {
        using var json = JsonDocument.Parse("""{"traceId":"a","quality":{"truncated":true,"novel":1},"extra":{"x":1}}""");
        Assert.Equal(["quality.novel", "extra"], Unmapped(json.RootElement, IndexTemplates.Features("trace-features").Body));
    }

    /// <summary>JSON paths of <paramref name="document"/> with no mapping under the template's <c>mappings.properties</c>.</summary>
    private static List<string> Unmapped(JsonElement document, string templateBody)
    {
        using var template = JsonDocument.Parse(templateBody);
        JsonElement properties = template.RootElement.GetProperty("template").GetProperty("mappings").GetProperty("properties");
        var missing = new List<string>();
        Walk(document, properties, "", missing);
        return missing;
    }

    private static void Walk(JsonElement value, JsonElement properties, string path, List<string> missing)
    {
        foreach (JsonProperty field in value.EnumerateObject())
        {
            string name = path + field.Name;
            if (!properties.TryGetProperty(field.Name, out JsonElement mapping))
            {
                missing.Add(name);
                continue;
            }
            // A disabled object is stored in _source unindexed: its content needs no mapping (and may have any keys).
            if (mapping.TryGetProperty("enabled", out JsonElement enabled) && !enabled.GetBoolean()) continue;
            if (mapping.TryGetProperty("properties", out JsonElement children))
            {
                if (field.Value.ValueKind == JsonValueKind.Object) Walk(field.Value, children, name + ".", missing);
                else if (field.Value.ValueKind == JsonValueKind.Array)
                    foreach (JsonElement item in field.Value.EnumerateArray()) Walk(item, children, name + ".", missing);
                else missing.Add(name + " (a value where the template maps an object)");
            }
            else if (field.Value.ValueKind == JsonValueKind.Object)
            {
                missing.Add(name + " (an object where the template maps a value)");
            }
        }
    }
}
