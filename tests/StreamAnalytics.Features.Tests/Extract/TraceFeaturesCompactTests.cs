using System.Text;
using System.Text.Json;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract;

/// <summary>
/// The features TraceFeatures builds on first read (trace id, critical path, critical path by service, self time,
/// network latencies): the compact form the extractor stores and the public properties must never disagree, whichever
/// is read, written or assigned first.
/// </summary>
public class TraceFeaturesCompactTests
{
    // Two roots (the second one off the critical path), a service on the path twice, a client/server pair per service
    // pair, and two (service, operation) pairs that render to the same "a::b::c" key.
    private static TestTrace Trace() => new TestTrace()
        .Add(1, 0, "web", 0, 100, SpanKind.Server, "GET /")
        .Add(2, 1, "web", 10, 50, SpanKind.Client, "call")
        .Add(3, 2, "app", 12, 40, SpanKind.Server, "handle", error: true)
        .Add(4, 1, "untraced", 60, 30, SpanKind.Client, "x")
        .Add(5, 4, "db", 65, 20, SpanKind.Server, "q")
        .Add(6, 0, "a::b", 150, 10, operation: "c")
        .Add(7, 6, "a", 152, 5, operation: "b::c");

    private static TraceFeatures Extract() => Features.Of(Trace());

    private static string Json(TraceFeatures f) => Encoding.UTF8.GetString(TraceFeaturesJson.ToUtf8(f));

    private static void ReadEveryBuiltProperty(TraceFeatures f)
    {
        _ = f.TraceId;
        _ = f.CriticalPath;
        _ = f.CriticalPathByService;
        _ = f.SelfTimeByOperation;
        _ = f.NetworkLatencies;
    }

    [Fact]
    public void Json_is_the_same_before_and_after_the_properties_are_read()
    {
        TraceFeatures f = Extract();
        string compact = Json(f);

        ReadEveryBuiltProperty(f);

        Assert.Equal(compact, Json(f));
    }

    [Fact]
    public void Properties_read_after_json_hold_what_the_json_says()
    {
        TraceFeatures f = Extract();
        using var doc = JsonDocument.Parse(TraceFeaturesJson.ToUtf8(f));
        JsonElement root = doc.RootElement;

        Assert.Equal(root.GetProperty("traceId").GetString(), f.TraceId);
        JsonElement[] path = root.GetProperty("criticalPath").EnumerateArray().ToArray();
        Assert.Equal(path.Length, f.CriticalPath.Count);
        for (int k = 0; k < path.Length; k++)
        {
            Assert.Equal(path[k].GetProperty("spanId").GetString(), f.CriticalPath[k].SpanId);
            Assert.Equal(path[k].GetProperty("service").GetString(), f.CriticalPath[k].Service);
            Assert.Equal(path[k].GetProperty("startUs").GetInt64(), f.CriticalPath[k].StartUs);
            Assert.Equal(path[k].GetProperty("endUs").GetInt64(), f.CriticalPath[k].EndUs);
        }
        JsonElement[] latencies = root.GetProperty("networkLatencies").EnumerateArray().ToArray();
        Assert.Equal(["untraced", "web"], latencies.Select(l => l.GetProperty("client").GetString()));
        Assert.Equal(latencies.Length, f.NetworkLatencies.Count);
        for (int k = 0; k < latencies.Length; k++)
        {
            Assert.Equal(latencies[k].GetProperty("client").GetString(), f.NetworkLatencies[k].Client);
            Assert.Equal(latencies[k].GetProperty("server").GetString(), f.NetworkLatencies[k].Server);
            Assert.Equal(latencies[k].GetProperty("count").GetInt32(), f.NetworkLatencies[k].Count);
            Assert.Equal(latencies[k].GetProperty("totalUs").GetInt64(), f.NetworkLatencies[k].TotalUs);
            Assert.Equal(latencies[k].GetProperty("maxUs").GetInt64(), f.NetworkLatencies[k].MaxUs);
        }
        AssertMap(root.GetProperty("criticalPathByService"), f.CriticalPathByService);
        AssertMap(root.GetProperty("selfTimeByOperation"), f.SelfTimeByOperation);
    }

    private static void AssertMap(JsonElement json, Dictionary<string, long> map)
    {
        var written = json.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(written.OrderBy(p => p.Key, StringComparer.Ordinal), map.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Names_that_repeat_add_up_in_the_json_and_in_the_dictionary()
    {
        TraceFeatures f = Extract();
        using var doc = JsonDocument.Parse(TraceFeaturesJson.ToUtf8(f));

        // "untraced" is on the path twice, around its db call (60 → 65 and 85 → 90): one key.
        long untraced = doc.RootElement.GetProperty("criticalPathByService").GetProperty("untraced").GetInt64();
        Assert.Equal(5 + 5, untraced);
        Assert.Equal(untraced, f.CriticalPathByService["untraced"]);
        // a::b + c and a + b::c both render to "a::b::c": self times 10 - 5 and 5.
        Assert.Equal(10, doc.RootElement.GetProperty("selfTimeByOperation").GetProperty("a::b::c").GetInt64());
        Assert.Equal(10, f.SelfTimeByOperation["a::b::c"]);
        Assert.Equal(2, f.SpanCounts["a::b::c"]);
    }

    [Fact]
    public void Dictionaries_enumerate_in_the_order_the_extractor_met_the_keys()
    {
        TraceFeatures f = Extract();

        // Path: web 0 → 60 (app's call ends exactly at 60, so Jaeger's rule leaves it off), untraced, db, untraced, web.
        Assert.Equal(["web", "untraced", "db"], f.CriticalPathByService.Keys);
        Assert.Equal(["web::GET /", "web::call", "app::handle", "untraced::x", "db::q", "a::b::c"], f.SelfTimeByOperation.Keys);
    }

    [Fact]
    public void Json_after_assigning_a_property_writes_the_assigned_value()
    {
        TraceFeatures f = Extract();

        f.TraceId = "assigned";
        f.CriticalPath = [new CriticalPathSection { SpanId = "00000000000000ff", Service = "s", StartUs = 1, EndUs = 2 }];
        f.CriticalPathByService = new() { ["s"] = 1 };
        f.SelfTimeByOperation = new() { ["s::o"] = 7 };
        f.NetworkLatencies = [new NetworkLatency { Client = "c", Server = "s", Count = 1, TotalUs = 3, MaxUs = 3 }];

        using var doc = JsonDocument.Parse(TraceFeaturesJson.ToUtf8(f));
        JsonElement root = doc.RootElement;
        Assert.Equal("assigned", root.GetProperty("traceId").GetString());
        Assert.Equal("00000000000000ff", root.GetProperty("criticalPath")[0].GetProperty("spanId").GetString());
        Assert.Equal(1, root.GetProperty("criticalPath").GetArrayLength());
        Assert.Equal("{\"s\":1}", root.GetProperty("criticalPathByService").GetRawText());
        Assert.Equal("{\"s::o\":7}", root.GetProperty("selfTimeByOperation").GetRawText());
        Assert.Equal("c", root.GetProperty("networkLatencies")[0].GetProperty("client").GetString());
        Assert.Equal(1, root.GetProperty("networkLatencies").GetArrayLength());
    }

    [Fact]
    public void Json_after_changing_a_read_list_writes_the_change()
    {
        TraceFeatures f = Extract();

        f.CriticalPath.Clear();
        f.NetworkLatencies.RemoveAt(0);
        f.SelfTimeByOperation["extra::op"] = 1;

        using var doc = JsonDocument.Parse(TraceFeaturesJson.ToUtf8(f));
        Assert.Equal(0, doc.RootElement.GetProperty("criticalPath").GetArrayLength());
        Assert.Equal(1, doc.RootElement.GetProperty("networkLatencies").GetArrayLength());
        Assert.Equal(1, doc.RootElement.GetProperty("selfTimeByOperation").GetProperty("extra::op").GetInt64());
    }

    [Fact]
    public void A_property_is_built_once()
    {
        TraceFeatures f = Extract();

        Assert.Same(f.TraceId, f.TraceId);
        Assert.Same(f.CriticalPath, f.CriticalPath);
        Assert.Same(f.CriticalPathByService, f.CriticalPathByService);
        Assert.Same(f.SelfTimeByOperation, f.SelfTimeByOperation);
        Assert.Same(f.NetworkLatencies, f.NetworkLatencies);
    }

    [Theory]
    [InlineData(FeatureSelection.CriticalPath)]
    [InlineData(FeatureSelection.Timing)]
    [InlineData(FeatureSelection.Quality)]
    public void A_selection_copy_writes_what_a_copy_of_the_read_properties_writes(string included)
    {
        var selection = new FeatureSelection([included]);
        TraceFeatures compact = Extract();
        TraceFeatures read = Extract();
        ReadEveryBuiltProperty(read);

        TraceFeatures fromCompact = selection.Apply(compact);
        TraceFeatures fromRead = selection.Apply(read);

        Assert.Equal(Json(fromRead), Json(fromCompact));
        Assert.Equal(Json(read), Json(compact)); // the originals are untouched
        // Reading the copy builds its own lists, equal to the original's.
        Assert.Equal(fromRead.TraceId, fromCompact.TraceId);
        Assert.Equal(Sections(fromRead), Sections(fromCompact));
        Assert.Equal(fromRead.NetworkLatencies.Select(l => (l.Client, l.Server, l.Count, l.TotalUs, l.MaxUs)),
            fromCompact.NetworkLatencies.Select(l => (l.Client, l.Server, l.Count, l.TotalUs, l.MaxUs)));
        Assert.Equal(fromRead.SelfTimeByOperation, fromCompact.SelfTimeByOperation);
        Assert.Equal(fromRead.CriticalPathByService, fromCompact.CriticalPathByService);
    }

    private static IEnumerable<(string, string, long, long)> Sections(TraceFeatures f) =>
        f.CriticalPath.Select(s => (s.SpanId, s.Service, s.StartUs, s.EndUs));

    [Fact]
    public void A_selection_copy_of_read_properties_shares_them_as_before()
    {
        TraceFeatures f = Extract();
        ReadEveryBuiltProperty(f);

        TraceFeatures copy = new FeatureSelection([FeatureSelection.CriticalPath, FeatureSelection.Timing]).Apply(f);

        Assert.Same(f.TraceId, copy.TraceId);
        Assert.Same(f.CriticalPath, copy.CriticalPath);
        Assert.Equal(60, copy.CriticalPathOutsideRootUs); // the second root, 150 → 160, is past the first one's end at 100
        Assert.Same(f.CriticalPathByService, copy.CriticalPathByService);
        Assert.Same(f.SelfTimeByOperation, copy.SelfTimeByOperation);
        Assert.Same(f.NetworkLatencies, copy.NetworkLatencies);
    }

    [Fact]
    public void Excluded_features_of_a_selection_copy_are_empty()
    {
        TraceFeatures copy = new FeatureSelection([FeatureSelection.SpanCounts]).Apply(Extract());

        Assert.Empty(copy.CriticalPath);
        Assert.Empty(copy.CriticalPathByService);
        Assert.Empty(copy.SelfTimeByOperation);
        Assert.Empty(copy.NetworkLatencies);
        Assert.Equal("0123456789abcdeffedcba9876543210", copy.TraceId);
        Assert.Equal(0, copy.CriticalPathOutsideRootUs);
        Assert.Contains("\"criticalPath\":[],\"criticalPathByService\":{},\"criticalPathOutsideRootUs\":0,\"selfTimeByOperation\":{},\"networkLatencies\":[]", Json(copy));
    }

    [Fact]
    public void An_empty_trace_and_a_new_object_have_empty_features()
    {
        TraceFeatures empty = Features.Of(new TestTrace());
        var fresh = new TraceFeatures();

        const string EmptyFeatures = "\"criticalPath\":[],\"criticalPathByService\":{},\"criticalPathOutsideRootUs\":0,\"selfTimeByOperation\":{},\"networkLatencies\":[]";
        Assert.Contains(EmptyFeatures, Json(empty));
        Assert.Contains(EmptyFeatures, Json(fresh));
        Assert.Contains("\"traceId\":\"0123456789abcdeffedcba9876543210\"", Json(empty));
        Assert.Contains("\"traceId\":\"\"", Json(fresh));
        Assert.Equal("", fresh.TraceId);
        foreach (TraceFeatures f in new[] { empty, fresh })
        {
            Assert.Empty(f.CriticalPath);
            Assert.Empty(f.CriticalPathByService);
            Assert.Empty(f.SelfTimeByOperation);
            Assert.Empty(f.NetworkLatencies);
        }
        Assert.Contains(EmptyFeatures, Json(empty));
    }

    [Fact]
    public void Parse_gives_back_the_same_document_from_the_compact_form()
    {
        TraceFeatures f = Extract();
        byte[] bytes = TraceFeaturesJson.ToUtf8(f);

        TraceFeatures parsed = TraceFeaturesJson.Parse(bytes);

        Assert.Equal(bytes, TraceFeaturesJson.ToUtf8(parsed));
        Assert.Equal(f.CriticalPath.Count, parsed.CriticalPath.Count);
        Assert.Equal(f.SelfTimeByOperation, parsed.SelfTimeByOperation);
    }
}
