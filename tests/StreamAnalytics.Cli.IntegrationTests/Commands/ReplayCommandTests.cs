using System.Text.Json;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Files;
using StreamAnalytics.TestSupport;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;
using StreamAnalytics.Tools.Nezha;

namespace StreamAnalytics.Cli.IntegrationTests.Commands;

public class ReplayCommandTests
{
    private static string NezhaFile(string name) => RepositoryFiles.Find(Path.Combine("..", "shared", "data", "nezha", name));

    private static string WriteInput(string dir, SpanFormat format, IEnumerable<byte[]> messages)
    {
        string path = Path.Combine(dir, "input." + format.ToConfigName());
        using var stream = File.Create(path);
        SpanFileWriter.Write(stream, format, messages);
        return path;
    }

    private static List<JsonElement> ReadLines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Theory]
    [InlineData("otlp_json")]
    [InlineData("otlp_proto")]
    [InlineData("jaeger_json")]
    [InlineData("jaeger_proto")]
    [InlineData("zipkin_json")]
    [InlineData("zipkin_proto")]
    public async Task Every_format_of_the_real_Online_Boutique_traces_gives_the_same_trace_features(string formatName)
    {
        Assert.True(SpanFormatNames.TryParse(formatName, out var format));
        // Zipkin carries microseconds; cut every span to microseconds so all six formats carry the same times.
        var spans = NezhaCsvReader.Read(NezhaFile("onlineboutique_2022-08-23_17_00_trace.csv"))
            .Select(s => new LogicalSpan
            {
                TraceId = s.TraceId, SpanId = s.SpanId, ParentSpanId = s.ParentSpanId, Service = s.Service, Operation = s.Operation,
                Kind = s.Kind, StartUnixNanos = s.StartUnixNanos / 1000 * 1000, DurationNanos = s.DurationNanos / 1000 * 1000,
            })
            .ToList();
        string dir = Directory.CreateTempSubdirectory("replay-").FullName;

        string reference = WriteInput(dir, SpanFormat.OtlpJson, SpanEncoders.Encode(SpanFormat.OtlpJson, spans, 100));
        var (refCode, refOut, refErr) = await CliProcess.RunAsync(["replay", "--input", reference, "--format", "otlp_json", "--out", Path.Combine(dir, "ref")], TimeSpan.FromMinutes(3));
        Assert.True(refCode == 0, refErr);
        Assert.Contains("22969 spans read", refOut);
        Assert.Contains("502 traces, 0 decode errors", refOut);

        string input = WriteInput(dir, format, SpanEncoders.Encode(format, spans, 100));
        var (code, stdout, stderr) = await CliProcess.RunAsync(["replay", "--input", input, "--format", formatName, "--out", Path.Combine(dir, "out")], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stderr);
        Assert.Contains("502 traces, 0 decode errors", stdout);

        static Dictionary<string, string> ByTrace(string path) => ReadLines(path).ToDictionary(e => e.GetProperty("traceId").GetString()!, e => e.GetRawText());
        var expected = ByTrace(Path.Combine(dir, "ref", "traces.ndjson"));
        var actual = ByTrace(Path.Combine(dir, "out", "traces.ndjson"));
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (traceId, doc) in expected) Assert.Equal(doc, actual[traceId]);

        var aggregates = ReadLines(Path.Combine(dir, "out", "aggregates.ndjson"));
        Assert.Contains(aggregates, a => a.GetProperty("kind").GetString() == "rootOperation");
        Assert.Equal(
            ReadLines(Path.Combine(dir, "ref", "aggregates.ndjson")).Count,
            aggregates.Count);
    }

    [Fact]
    public async Task Span_counts_of_a_real_TrainTicket_trace_match_the_input_table()
    {
        string csv = NezhaFile("trainticket_2023-01-29_08_50_trace.csv");
        var spans = NezhaCsvReader.Read(csv);
        string dir = Directory.CreateTempSubdirectory("replay-tt-").FullName;
        string input = WriteInput(dir, SpanFormat.ZipkinJson, SpanEncoders.Encode(SpanFormat.ZipkinJson, spans, 50));
        var (code, _, stderr) = await CliProcess.RunAsync(["replay", "-i", input, "-f", "zipkin_json", "-o", dir], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stderr);

        var traces = ReadLines(Path.Combine(dir, "traces.ndjson"));
        Assert.Equal(spans.Select(s => s.TraceId).Distinct().Count(), traces.Count);
        foreach (var trace in traces.Take(20))
        {
            string id = trace.GetProperty("traceId").GetString()!;
            var expected = spans.Where(s => s.TraceId == id)
                .GroupBy(s => s.Service + "::" + s.Operation)
                .ToDictionary(g => g.Key, g => g.Count());
            var actual = trace.GetProperty("spanCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
            Assert.Equal(expected.Values.Sum(), trace.GetProperty("spanCount").GetInt32());
        }
    }

    [Fact]
    public async Task Undecodable_messages_are_listed_with_reasons_and_the_valid_ones_still_count()
    {
        var spans = NezhaCsvReader.Read(NezhaFile("trainticket_2023-01-29_08_50_trace.csv"));
        var messages = SpanEncoders.Encode(SpanFormat.OtlpJson, spans, 100).ToList();
        messages.Insert(1, "{\"resourceSpans\": 5}"u8.ToArray());
        messages.Insert(3, "not json at all"u8.ToArray());
        string dir = Directory.CreateTempSubdirectory("replay-bad-").FullName;
        string input = WriteInput(dir, SpanFormat.OtlpJson, messages);

        var (code, stdout, stderr) = await CliProcess.RunAsync(["replay", "-i", input, "-f", "otlp_json", "-o", dir], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stderr);
        Assert.Contains($"{spans.Count} spans read", stdout);
        Assert.Contains("2 decode errors", stdout);
        var dead = ReadLines(Path.Combine(dir, "dead-letter.ndjson"));
        Assert.Equal([1L, 3L], dead.Select(d => d.GetProperty("message").GetInt64()));
        Assert.All(dead, d => Assert.False(string.IsNullOrEmpty(d.GetProperty("reason").GetString())));
    }

    [Fact]
    public async Task A_well_formed_message_without_spans_is_refused_with_a_reason_not_dropped()
    {
        string dir = Directory.CreateTempSubdirectory("replay-empty-").FullName;
        string input = WriteInput(dir, SpanFormat.OtlpJson, ["{\"resourceSpans\": []}"u8.ToArray()]);
        var (code, stdout, stderr) = await CliProcess.RunAsync(["replay", "-i", input, "-f", "otlp_json", "-o", dir], TimeSpan.FromMinutes(1));
        // Its only message is refused, so the run fails (issue 23) — but still lists the refusal with its reason.
        Assert.Equal(1, code);
        Assert.Contains("0 spans read from 1 messages, 0 traces, 1 decode errors", stdout);
        Assert.Contains("every one of the 1 messages was refused", stderr);
        var dead = Assert.Single(ReadLines(Path.Combine(dir, "dead-letter.ndjson")));
        Assert.Contains("no spans", dead.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_file_read_with_the_wrong_format_fails_and_says_which_format_it_looks_like()
    {
        var spans = NezhaCsvReader.Read(NezhaFile("trainticket_2023-01-29_08_50_trace.csv")).Take(500).ToList();
        string dir = Directory.CreateTempSubdirectory("replay-wrong-").FullName;
        string input = WriteInput(dir, SpanFormat.ZipkinJson, SpanEncoders.Encode(SpanFormat.ZipkinJson, spans, 50));

        var (code, _, stderr) = await CliProcess.RunAsync(["replay", "-i", input, "-f", "otlp_json", "-o", dir], TimeSpan.FromMinutes(1));
        Assert.Equal(1, code);
        Assert.Contains("every one of the 10 messages was refused as otlp_json", stderr);
        Assert.Contains("every line looks like Zipkin JSON (zipkin_json); try --format zipkin_json", stderr);
    }

    [Fact]
    public async Task A_missing_file_and_an_unknown_format_fail_with_clear_messages()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(["replay", "-i", "/nonexistent/spans.json", "-f", "otlp_json", "-o", "/tmp/x"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);

        string file = Path.GetTempFileName();
        (code, _, stderr) = await CliProcess.RunAsync(["replay", "-i", file, "-f", "avro", "-o", "/tmp/x"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, code);
        Assert.Contains("unknown --format 'avro'", stderr);
        Assert.Contains("otlp_proto", stderr);
    }

    [Fact]
    public async Task Trace_id_strict_false_joins_a_64_bit_and_a_128_bit_form_of_one_id_into_one_trace()
    {
        // Zipkin JSON, one line per message: web's half of a call with the 128-bit id, app's shared half with the lower 64 bits.
        string dir = Directory.CreateTempSubdirectory("replay-ids-").FullName;
        string input = Path.Combine(dir, "mixed.zipkin.json");
        File.WriteAllLines(input,
        [
            """[{"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"00000000000000a1","kind":"SERVER","name":"get /","timestamp":1767225600000000,"duration":100000,"localEndpoint":{"serviceName":"web"}},{"traceId":"463ac35c9f6413ad48485a3953bb6124","parentId":"00000000000000a1","id":"00000000000000b2","kind":"CLIENT","name":"get /api","timestamp":1767225600010000,"duration":80000,"localEndpoint":{"serviceName":"web"}}]""",
            """[{"traceId":"48485a3953bb6124","parentId":"00000000000000a1","id":"00000000000000b2","kind":"SERVER","name":"get /api","timestamp":1767225600012000,"duration":70000,"shared":true,"localEndpoint":{"serviceName":"app"}}]""",
        ]);

        var (code, stdout, stderr) = await CliProcess.RunAsync(["replay", "-i", input, "-f", "zipkin_json", "-o", Path.Combine(dir, "strict")], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);
        Assert.Contains("2 traces", stdout);

        (code, stdout, stderr) = await CliProcess.RunAsync(["replay", "-i", input, "-f", "zipkin_json", "-o", Path.Combine(dir, "joined"), "--trace-id-strict", "false"], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);
        Assert.Contains("1 traces", stdout);
        JsonElement trace = Assert.Single(ReadLines(Path.Combine(dir, "joined", "traces.ndjson")));
        Assert.Equal("463ac35c9f6413ad48485a3953bb6124", trace.GetProperty("traceId").GetString());
        JsonElement edge = Assert.Single(trace.GetProperty("edges").EnumerateArray());
        Assert.Equal(("web", "app"), (edge.GetProperty("client").GetString(), edge.GetProperty("server").GetString()));
    }
}
