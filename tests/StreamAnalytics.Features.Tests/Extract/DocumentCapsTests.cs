using System.Text.Json;
using StreamAnalytics.Features.Extract;

namespace StreamAnalytics.Features.Tests.Extract;

/// <summary>Issue 19.1: the per-trace lists of a document are bounded, say so, and leave the features whole.</summary>
public class DocumentCapsTests
{
    private static readonly DocumentCaps Ten = new(new FeatureConfig { MaxDocumentEntries = 10, MaxCriticalPathSections = 10 });

    /// <summary>A root with <paramref name="children"/> children, each its own service and operation, child i lasting i µs.</summary>
    private static TraceFeatures Wide(int children)
    {
        var t = new TestTrace();
        t.Add(1, 0, "root", 0, 10_000, operation: "GET /");
        for (int i = 1; i <= children; i++) t.Add((ulong)(i + 1), 1, "svc-" + i.ToString("D3"), i, i, operation: "op-" + i.ToString("D3"));
        return Features.Of(t, LinkSemantics.Parent);
    }

    /// <summary>A chain <paramref name="depth"/> deep, span i lasting (depth - i) * 10 µs, two services alternating.</summary>
    private static TraceFeatures Deep(int depth)
    {
        var t = new TestTrace();
        for (int i = 0; i < depth; i++) t.Add((ulong)(i + 1), (ulong)i, i % 2 == 0 ? "a" : "b", i, (depth - i) * 10L, operation: "step-" + i.ToString("D3"));
        return Features.Of(t, LinkSemantics.Parent);
    }

    [Fact]
    public void A_trace_within_every_cap_is_written_as_it_is()
    {
        TraceFeatures f = Wide(5);
        Assert.Same(f, Ten.Apply(f));
        using var doc = JsonDocument.Parse(TraceFeaturesJson.ToUtf8(f));
        Assert.False(doc.RootElement.TryGetProperty("omitted", out _));
    }

    [Fact]
    public void A_wide_trace_keeps_the_largest_entries_and_counts_the_rest_without_changing_the_features()
    {
        TraceFeatures f = Wide(50);
        int spanCounts = f.SpanCounts.Count, edges = f.Edges.Count, selfTime = f.SelfTimeByOperation.Count;

        TraceFeatures capped = Ten.Apply(f);

        Assert.NotSame(f, capped);
        Assert.Equal(spanCounts, f.SpanCounts.Count); // aggregation reads these: whole
        Assert.Equal(edges, f.Edges.Count);
        Assert.Equal(10, capped.SpanCounts.Count);
        Assert.Equal(10, capped.Edges.Count);
        Assert.Equal(10, capped.SelfTimeByOperation.Count);
        DocumentOmissions omitted = Assert.IsType<DocumentOmissions>(capped.Omitted);
        Assert.Equal(spanCounts - 10, omitted.SpanCounts);
        Assert.Equal(edges - 10, omitted.Edges);
        Assert.Equal(selfTime - 10, omitted.SelfTimeByOperation);
        Assert.Equal(f.ServicePaths.Count - 10, omitted.ServicePaths);
        // Self time: the ten longest operations are the last ten children (child i lasts i µs) and the root.
        Assert.Contains("root::GET /", capped.SelfTimeByOperation.Keys);
        Assert.Contains("svc-050::op-050", capped.SelfTimeByOperation.Keys);
        Assert.DoesNotContain("svc-001::op-001", capped.SelfTimeByOperation.Keys);
        // Scalars are the trace's.
        Assert.Equal(f.TraceId, capped.TraceId);
        Assert.Equal(f.SpanCount, capped.SpanCount);
    }

    [Fact]
    public void A_capped_document_writes_every_scalar_and_the_quality_of_the_trace()
    {
        // Guards the copy in DocumentCaps against a field added to TraceFeatures later and not copied.
        var t = new TestTrace();
        for (int i = 0; i < 40; i++) t.Add((ulong)(i + 1), (ulong)i, i % 2 == 0 ? "a" : "b", i, (40 - i) * 10L, operation: "step-" + i.ToString("D3"));
        t.Add(100, 40, "late", 390, 500, operation: "ends-after-the-root"); // time outside the root: criticalPathOutsideRootUs > 0
        TraceFeatures f = Features.Of(t, LinkSemantics.Parent);
        Assert.True(f.CriticalPathOutsideRootUs > 0);
        f.Quality.OrphanSpans = 3;
        using var whole = JsonDocument.Parse(TraceFeaturesJson.ToUtf8(f));
        using var capped = JsonDocument.Parse(TraceFeaturesJson.ToUtf8(Ten.Apply(f)));
        int scalars = 0;
        foreach (JsonProperty p in whole.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Array || (p.Value.ValueKind == JsonValueKind.Object && p.Name != "quality")) continue;
            Assert.Equal(p.Value.GetRawText(), capped.RootElement.GetProperty(p.Name).GetRawText());
            scalars++;
        }
        Assert.True(scalars >= 15, $"{scalars} scalar fields compared");
    }

    [Fact]
    public void A_deep_trace_keeps_the_longest_critical_path_sections_in_path_order()
    {
        TraceFeatures f = Deep(40);
        List<CriticalPathSection> whole = f.CriticalPath;
        Assert.True(whole.Count > 10);

        TraceFeatures capped = Ten.Apply(f);

        List<CriticalPathSection> kept = capped.CriticalPath;
        Assert.Equal(10, kept.Count);
        Assert.Equal(whole.Count - 10, capped.Omitted!.CriticalPath);
        long shortestKept = long.MaxValue;
        foreach (var s in kept) shortestKept = Math.Min(shortestKept, s.EndUs - s.StartUs);
        int longerDropped = 0;
        foreach (var s in whole) if (!kept.Contains(s) && s.EndUs - s.StartUs > shortestKept) longerDropped++;
        Assert.Equal(0, longerDropped);
        for (int i = 1; i < kept.Count; i++) Assert.True(whole.IndexOf(kept[i - 1]) < whole.IndexOf(kept[i]), "path order");
    }

    [Fact]
    public void The_capped_document_is_deterministic_and_round_trips_with_its_omitted_object()
    {
        byte[] first = TraceFeaturesJson.ToUtf8(Ten.Apply(Wide(30)));
        byte[] second = TraceFeaturesJson.ToUtf8(Ten.Apply(Wide(30)));
        Assert.Equal(first, second);

        TraceFeatures parsed = TraceFeaturesJson.Parse(first);
        Assert.Equal(21, parsed.Omitted!.SpanCounts); // 31 operations (root + 30), 10 kept
        Assert.Equal(first, TraceFeaturesJson.ToUtf8(parsed));
    }

    [Fact]
    public void The_caps_are_declared_keys_read_and_validated_by_name()
    {
        var config = FeatureConfig.FromProperties(new Dictionary<string, string>
        {
            [FeatureConfig.MaxDocumentEntriesKey] = "250",
            [FeatureConfig.MaxCriticalPathSectionsKey] = "50",
        });
        Assert.Equal(250, config.MaxDocumentEntries);
        Assert.Equal(50, config.MaxCriticalPathSections);
        Assert.Equal(1000, FeatureConfig.Default.MaxDocumentEntries);
        Assert.Contains(FeatureConfig.Keys, k => k.Name == FeatureConfig.MaxDocumentEntriesKey);
        Assert.Contains(FeatureConfig.Keys, k => k.Name == FeatureConfig.MaxCriticalPathSectionsKey);

        var ex = Assert.Throws<ArgumentException>(() => FeatureConfig.FromProperties(new Dictionary<string, string> { [FeatureConfig.MaxDocumentEntriesKey] = "5" }));
        Assert.Contains(FeatureConfig.MaxDocumentEntriesKey, ex.Message);
        ex = Assert.Throws<ArgumentException>(() => FeatureConfig.FromProperties(new Dictionary<string, string> { [FeatureConfig.MaxCriticalPathSectionsKey] = "many" }));
        Assert.Contains(FeatureConfig.MaxCriticalPathSectionsKey, ex.Message);
    }
}
