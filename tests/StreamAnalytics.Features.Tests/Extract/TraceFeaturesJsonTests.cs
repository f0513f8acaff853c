using System.Text;
using System.Text.Json;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Features.Extract.Compact;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract;

public class TraceFeaturesJsonTests
{
    private static TraceFeatures Sample() => Features.Of(new TestTrace()
        .Add(1, 0, "web", 0, 100, SpanKind.Server, "GET /")
        .Add(2, 1, "web", 10, 50, SpanKind.Client, "call")
        .Add(3, 2, "app", 12, 40, SpanKind.Server, "handle", error: true)
        .Add(4, 77, "orphan", 5, 1));

    [Fact]
    public void Fields_are_camel_case_in_a_fixed_order()
    {
        using var doc = JsonDocument.Parse(TraceFeaturesJson.ToUtf8(Sample()));

        Assert.Equal(
            new[]
            {
                "traceId", "revision", "completionReason", "startTimeUs", "durationUs", "spanCount", "serviceCount",
                "errorCount", "rootService", "rootOperation", "rootError", "depth", "maxFanOut", "spanCounts", "edges",
                "servicePaths", "criticalPath", "criticalPathByService", "criticalPathOutsideRootUs", "selfTimeByOperation",
                "networkLatencies", "quality",
            },
            doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("0123456789abcdeffedcba9876543210", doc.RootElement.GetProperty("traceId").GetString());
        Assert.Equal(JsonValueKind.Object, doc.RootElement.GetProperty("spanCounts").ValueKind);
    }

    [Fact]
    public void Edge_durations_are_not_written()
    {
        string json = Encoding.UTF8.GetString(TraceFeaturesJson.ToUtf8(Sample()));

        Assert.Contains("\"totalDurationUs\"", json);
        Assert.DoesNotContain("durationsUs", json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_reads_back_what_write_wrote()
    {
        TraceFeatures original = Sample();
        byte[] bytes = TraceFeaturesJson.ToUtf8(original);

        TraceFeatures parsed = TraceFeaturesJson.Parse(bytes);

        Assert.Equal(bytes, TraceFeaturesJson.ToUtf8(parsed));
        Assert.Equal(original.Quality.OrphanSpans, parsed.Quality.OrphanSpans);
        Assert.Equal(original.Edges.Count, parsed.Edges.Count);
    }

    [Fact]
    public void Dictionaries_are_written_in_key_order_whatever_the_insertion_order()
    {
        var a = new TraceFeatures { SpanCounts = { ["b::x"] = 1, ["a::x"] = 2 } };
        var b = new TraceFeatures { SpanCounts = { ["a::x"] = 2, ["b::x"] = 1 } };

        Assert.Equal(TraceFeaturesJson.ToUtf8(a), TraceFeaturesJson.ToUtf8(b));
    }

    [Fact]
    public void Write_goes_to_a_caller_owned_writer()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            TraceFeaturesJson.Write(writer, Sample());
        }

        Assert.Equal(TraceFeaturesJson.ToUtf8(Sample()), stream.ToArray());
    }

    [Fact]
    public void A_critical_path_span_id_kept_as_a_number_reads_and_writes_as_16_hex_characters()
    {
        var fromNumber = new TraceFeatures();
        fromNumber.SetCriticalPath([new CriticalPathEntry(0xAB, "web", 1, 2), new CriticalPathEntry(0, "untraced", 2, 3)], []);
        var fromString = new TraceFeatures
        {
            CriticalPath =
            {
                new CriticalPathSection { SpanId = "00000000000000ab", Service = "web", StartUs = 1, EndUs = 2 },
                new CriticalPathSection { SpanId = "0000000000000000", Service = "untraced", StartUs = 2, EndUs = 3 },
            },
        };

        Assert.Equal(TraceFeaturesJson.ToUtf8(fromString), TraceFeaturesJson.ToUtf8(fromNumber));
        Assert.Equal("00000000000000ab", fromNumber.CriticalPath[0].SpanId);
        Assert.Equal("0000000000000000", fromNumber.CriticalPath[1].SpanId);
        Assert.Equal(TraceFeaturesJson.ToUtf8(fromString), TraceFeaturesJson.ToUtf8(fromNumber)); // after the string exists too
        fromNumber.CriticalPath[0].SpanId = "x";
        Assert.Equal("x", fromNumber.CriticalPath[0].SpanId);
        Assert.Equal("", new CriticalPathSection().SpanId);
    }

    private static byte[] WithFreshWriter(TraceFeatures f)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) TraceFeaturesJson.Write(writer, f);
        return stream.ToArray();
    }

    private static TraceFeatures WithSpanCounts(int keys, string prefix)
    {
        var f = new TraceFeatures();
        for (int i = 0; i < keys; i++) f.SpanCounts[$"{prefix}-{i:D5}::operation-with-a-long-name"] = i;
        return f;
    }

    [Fact]
    public void A_document_written_after_a_larger_one_holds_only_its_own_bytes()
    {
        // ToUtf8 reuses one buffer per thread, and drops it after a document over its keep limit (256 KB).
        TraceFeatures small = Sample();
        byte[] expected = WithFreshWriter(small);
        foreach (int keys in new[] { 200, 10_000 })
        {
            TraceFeatures large = WithSpanCounts(keys, "svc");
            byte[] largeBytes = TraceFeaturesJson.ToUtf8(large);
            Assert.Equal(WithFreshWriter(large), largeBytes);
            Assert.Equal(expected, TraceFeaturesJson.ToUtf8(small));
        }
    }

    [Fact]
    public void Map_keys_needing_escapes_are_written_as_the_writer_escapes_them_whether_or_not_their_encoding_is_cached()
    {
        string[] keys = ["a<b::op", "café::x", "q\"uote::y", "plain::z"];
        var f = new TraceFeatures();
        for (int i = 0; i < keys.Length; i++) f.SpanCounts[keys[i]] = i + 1;
        f.SetSelfTimeByOperation(keys.Select((k, i) => new NamedTotal(k, 10 * (i + 1))).ToArray());

        byte[] first = TraceFeaturesJson.ToUtf8(f);   // encodes the names
        byte[] second = TraceFeaturesJson.ToUtf8(f);  // same instances: from the cache
        var copies = new TraceFeatures();
        for (int i = 0; i < keys.Length; i++) copies.SpanCounts[new string(keys[i].AsSpan())] = i + 1;
        copies.SetSelfTimeByOperation(keys.Select((k, i) => new NamedTotal(new string(k.AsSpan()), 10 * (i + 1))).ToArray());

        string json = Encoding.UTF8.GetString(first);
        var sorted = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < keys.Length; i++) sorted[keys[i]] = i + 1;
        Assert.Contains("\"spanCounts\":" + JsonSerializer.Serialize(sorted), json);
        Assert.Contains("\"a\\u003Cb::op\":1", json);
        Assert.Equal(first, second);
        Assert.Equal(first, TraceFeaturesJson.ToUtf8(copies));
        Assert.Equal(WithFreshWriter(f), first);
        using var doc = JsonDocument.Parse(first);
        Assert.Equal(40, doc.RootElement.GetProperty("selfTimeByOperation").GetProperty("plain::z").GetInt64());
    }

    [Fact]
    public void Documents_written_on_several_threads_at_once_are_each_whole()
    {
        TraceFeatures[] docs = Enumerable.Range(0, 16).Select(i => WithSpanCounts(1 + i * 37, "t" + i)).ToArray();
        byte[][] expected = docs.Select(WithFreshWriter).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentBag<int>();
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            if (!TraceFeaturesJson.ToUtf8(docs[i % docs.Length]).AsSpan().SequenceEqual(expected[i % docs.Length])) failures.Add(i);
        });

        Assert.Empty(failures);
    }

    [Fact]
    public void Parse_rejects_a_null_document()
    {
        Assert.Throws<JsonException>(() => TraceFeaturesJson.Parse("null"u8));
    }
}
