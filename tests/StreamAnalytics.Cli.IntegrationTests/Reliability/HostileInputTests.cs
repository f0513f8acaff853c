using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Files;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.TestSupport;
using Xunit.Abstractions;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// Issue 8: the hostile corpus (<see cref="HostileCorpus"/>, testdata/hostile) through the running job and through
/// <c>replay</c>: every refused record is dead-lettered with a reason, well-formed hostile traces still yield features,
/// caps and cardinality limits hold, and the process neither crashes nor hangs nor grows without bound.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : IDisposable
{
    private const string HugeTraceId = "f00000000000000000000000000000ff";
    private readonly string _work = Directory.CreateTempSubdirectory("reliability-hostile-").FullName;
    private bool _passed;

    [Fact]
    public async Task The_running_job_dead_letters_every_refused_record_with_a_reason_and_survives_the_hostile_corpus()
    {
        var small = HostileCorpus.Small();
        // 50 000 spans through Kafka (the million-span trace goes through replay): all of one trace land in one
        // repartition partition, and librdkafka's mock broker keeps at most 5 MB per partition, dropping the oldest.
        var huge = HostileCorpus.HugeTrace(HugeTraceId, 50_000).ToList();
        var cardinality = HostileCorpus.CardinalityAttack(100_000).ToList();
        using var cluster = ReliabilityCluster.Start("hostile", brokers: 1, partitions: 6);
        using var fleet = new EngineFleet(cluster, Path.Combine(_work, "out"), new Dictionary<string, string>
        {
            ["assembly.gap.ms"] = "3000",
            ["assembly.root.grace.ms"] = "3000",
        }, output);
        var engine = fleet.Start(0);
        await engine.WaitReadyAsync(TimeSpan.FromSeconds(90));

        var sentAt = new Dictionary<(int Partition, long Offset), HostileCorpus.Case>();
        using (var producer = SpanLoad.CreateProducer(cluster.Bootstrap))
        {
            foreach (var c in small)
            {
                var r = await producer.ProduceAsync(ReliabilityCluster.SourceTopic, new Message<byte[]?, byte[]> { Value = c.Value });
                sentAt[(r.Partition.Value, r.Offset.Value)] = c;
            }
            await SpanLoad.ProducePacedAsync(producer, ReliabilityCluster.SourceTopic, huge, 10, TimeSpan.FromMilliseconds(300));
            await SpanLoad.ProducePacedAsync(producer, ReliabilityCluster.SourceTopic, cardinality, 10, TimeSpan.FromMilliseconds(300));
        }
        int expectedTraces = HostileCorpus.SemanticTraceIds.Count + 1 + 100_000 / 20;
        await fleet.WaitCaughtUpAsync(expectedTraces, TimeSpan.FromSeconds(150));
        var (health, _) = await MetricsScraper.GetStatusAsync(engine.MetricsPort, "/healthz");
        Assert.Equal(System.Net.HttpStatusCode.OK, health);
        string metrics = await engine.GetAsync("/metrics") ?? "";
        await fleet.StopAllAsync();

        // Dead letters: each names source coordinates and a reason; every case known to be undecodable is among them.
        var dlq = cluster.ReadAll(cluster.DeadLetterTopic, TimeSpan.FromSeconds(30));
        var dead = new Dictionary<(int, long), string>();
        foreach (var d in dlq)
        {
            string Header(string key) => d.Message.Headers.TryGetLastBytes(key, out byte[] v) ? Encoding.UTF8.GetString(v) : "";
            string reason = Header(DeadLetterHeaders.ErrorReason);
            Assert.False(string.IsNullOrWhiteSpace(reason), "a dead letter without x-error-reason");
            Assert.Equal(ReliabilityCluster.SourceTopic, Header(DeadLetterHeaders.SourceTopic));
            dead[(int.Parse(Header(DeadLetterHeaders.SourcePartition), CultureInfo.InvariantCulture), long.Parse(Header(DeadLetterHeaders.SourceOffset), CultureInfo.InvariantCulture))] = reason;
        }
        foreach (var g in dead.Values.GroupBy(r => r.Length > 60 ? r[..60] : r)) output.WriteLine($"dead-letter reason x{g.Count()}: {g.Key}");
        var mustDie = sentAt.Where(kv => kv.Value.Undecodable).ToList();
        var survived = mustDie.Where(kv => !dead.ContainsKey(kv.Key)).Select(kv => kv.Value.Name).ToList();
        Assert.True(survived.Count == 0, "not dead-lettered: " + string.Join(", ", survived));
        int randomDead = sentAt.Count(kv => kv.Value.Name.StartsWith("random-", StringComparison.Ordinal) && dead.ContainsKey(kv.Key));
        int truncatedDead = sentAt.Count(kv => kv.Value.Name.StartsWith("truncated-", StringComparison.Ordinal) && dead.ContainsKey(kv.Key));
        foreach (var kv in sentAt.Where(kv => dead.ContainsKey(kv.Key)).Take(12)) output.WriteLine($"dead-lettered {kv.Value.Name}: {dead[kv.Key]}");

        // Features: every well-formed hostile trace, the huge trace capped and flagged, the cardinality attack whole.
        var docs = FeatureOutput.ReadAll(Path.Combine(_work, "out")).GroupBy(d => d.TraceId).ToDictionary(g => g.Key, g => JsonDocument.Parse(g.Last().Document).RootElement.Clone());
        var expectedIds = HostileCorpus.SemanticTraceIds.Append(HugeTraceId).Concat(Enumerable.Range(0, 100_000 / 20).Select(n => "c" + n.ToString("x31", CultureInfo.InvariantCulture))).ToList();
        var missing = expectedIds.Where(id => !docs.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0, $"traces missing: {missing.Count} of {expectedIds.Count}: {string.Join(", ", missing.Take(10))}");
        var big = docs[HugeTraceId];
        Assert.Equal(10_000, big.GetProperty("spanCount").GetInt32());
        Assert.True(big.GetProperty("quality").GetProperty("truncated").GetBoolean());
        // 50,000 spans against a 10,000 cap. The document's droppedSpans is exact when the trace completes once (40,000);
        // when its spans straddle a completion the last revision only knows what it dropped itself (36,000 was seen
        // once in CI), so the document must show a drop and the trace-cap counter must cover it.
        int droppedInDocument = big.GetProperty("quality").GetProperty("droppedSpans").GetInt32();
        Assert.InRange(droppedInDocument, 1, 40_000);
        Assert.True(MetricsScraper.Sum(metrics, "trace_analytics_assembly_spans_dropped_total", "reason=\"traceCap\"") >= droppedInDocument,
            "spans dropped by the per-trace cap must be counted in assembly_spans_dropped_total{reason=\"traceCap\"}");
        Assert.Contains("overflow=\"true\"", metrics);
        Assert.True(fleet.PeakRssBytes < 1L << 30, $"peak RSS {ReliabilityFigures.Mib(fleet.PeakRssBytes)}");

        ReliabilityFigures.Report(output, "hostile-kafka", new Dictionary<string, object>
        {
            ["test"] = nameof(The_running_job_dead_letters_every_refused_record_with_a_reason_and_survives_the_hostile_corpus),
            ["recordsSent"] = small.Count + huge.Count + cardinality.Count,
            ["spansSent"] = 50_000 + 100_000 + HostileCorpus.SemanticTraceIds.Count,
            ["featuresEmitted"] = docs.Count,
            ["tracesMissing"] = missing.Count,
            ["deadLettered"] = dlq.Count,
            ["randomRecordsDeadLettered"] = $"{randomDead} of 20",
            ["truncatedRecordsDeadLettered"] = $"{truncatedDead} of 10",
            ["spansDroppedTraceCap"] = MetricsScraper.Sum(metrics, "trace_analytics_assembly_spans_dropped_total", "reason=\"traceCap\""),
            ["spansDroppedInvalidTraceId"] = MetricsScraper.Sum(metrics, "trace_analytics_assembly_spans_dropped_total", "reason=\"invalidTraceId\""),
            ["peakRss"] = ReliabilityFigures.Mib(fleet.PeakRssBytes),
        });
        _passed = true;
    }

    [Fact]
    public async Task Replay_of_the_hostile_corpus_with_a_million_span_trace_lists_every_refusal_and_caps_the_trace()
    {
        // Only well-formed protobuf frames go into the replay file: SpanFileReader tells a delimited file from a single
        // message by checking every frame, so one garbage frame makes the whole file one (refused) message. The
        // refusals are tested through the JSON decoder below (one document per line) and through Kafka above.
        var small = HostileCorpus.Small().Where(c => !c.Undecodable && !c.Name.StartsWith("random-", StringComparison.Ordinal)
            && !c.Name.StartsWith("truncated-", StringComparison.Ordinal) && !c.Name.StartsWith("over-long", StringComparison.Ordinal)
            && !c.Name.StartsWith("wrong-format", StringComparison.Ordinal)).ToList();
        string input = Path.Combine(_work, "hostile.otlp_proto");
        await using (var stream = File.Create(input))
            SpanFileWriter.Write(stream, SpanFormat.OtlpProto, small.Select(c => c.Value).Concat(HostileCorpus.HugeTrace(HugeTraceId, 1_000_000)).Concat(HostileCorpus.CardinalityAttack(100_000)));
        using var replay = CliProcess.Start(["replay", "-i", input, "-f", "otlp_proto", "-o", Path.Combine(_work, "replay")]);
        long peak = 0;
        var sampling = Task.Run(async () =>
        {
            while (!replay.HasExited)
            {
                try
                {
                    string? line = File.ReadLines($"/proc/{replay.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                    if (line is not null) peak = Math.Max(peak, long.Parse(line[6..].Trim().Replace(" kB", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) * 1024);
                }
                catch (Exception e) when (e is IOException or FormatException or InvalidOperationException) { }
                await Task.Delay(100);
            }
        });
        int code = await replay.WaitForExitAsync(TimeSpan.FromMinutes(3));
        await sampling;
        output.WriteLine(replay.Stdout);
        Assert.True(code == 0, replay.Stderr);

        var dead = File.ReadAllLines(Path.Combine(_work, "replay", "dead-letter.ndjson")).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.All(dead, d => Assert.False(string.IsNullOrWhiteSpace(d.GetProperty("reason").GetString())));

        var traces = File.ReadLines(Path.Combine(_work, "replay", "traces.ndjson")).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var big = traces.Single(t => t.GetProperty("traceId").GetString() == HugeTraceId);
        Assert.Equal(10_000, big.GetProperty("spanCount").GetInt32());
        Assert.True(big.GetProperty("quality").GetProperty("truncated").GetBoolean());
        Assert.Equal(990_000, big.GetProperty("quality").GetProperty("droppedSpans").GetInt32());
        foreach (string id in HostileCorpus.SemanticTraceIds) Assert.Contains(traces, t => t.GetProperty("traceId").GetString() == id);
        output.WriteLine($"cardinality traces in replay: {traces.Count(t => t.GetProperty("traceId").GetString()!.StartsWith('c'))}");
        foreach (var d in dead) output.WriteLine($"dead letter: {d.GetRawText()}");
        Assert.Contains("overflow", File.ReadAllText(Path.Combine(_work, "replay", "aggregates.ndjson")), StringComparison.OrdinalIgnoreCase);

        // The hand-written JSON cases through the JSON decoder.
        string jsonInput = Path.Combine(_work, "hostile.otlp_json");
        await using (var stream = File.Create(jsonInput))
            SpanFileWriter.Write(stream, SpanFormat.OtlpJson, new[] { "wrong-types.otlp.json", "invalid-utf8.bin", "truncated.otlp.json" }
                .Select(f => File.ReadAllBytes(HostileCorpus.TestData(f)).Where(b => b != (byte)'\n').ToArray()));
        var (jsonCode, jsonOut, jsonErr) = await CliProcess.RunAsync(["replay", "-i", jsonInput, "-f", "otlp_json", "-o", Path.Combine(_work, "replay-json")], TimeSpan.FromMinutes(1));
        output.WriteLine(jsonOut);
        Assert.True(jsonCode == 0, jsonErr);
        var jsonDead = File.ReadAllLines(Path.Combine(_work, "replay-json", "dead-letter.ndjson")).Where(l => l.Length > 0).ToList();
        Assert.True(jsonDead.Count >= 2, "wrong types and truncation must be dead-lettered: " + string.Join("\n", jsonDead));
        foreach (string d in jsonDead) output.WriteLine("json dead letter: " + d);

        ReliabilityFigures.Report(output, "hostile-replay", new Dictionary<string, object>
        {
            ["test"] = nameof(Replay_of_the_hostile_corpus_with_a_million_span_trace_lists_every_refusal_and_caps_the_trace),
            ["recordsSent"] = small.Count + 1000 + 100,
            ["spansSent"] = 1_000_000 + 100_000 + HostileCorpus.SemanticTraceIds.Count,
            ["featuresEmitted"] = traces.Count,
            ["deadLettered"] = dead.Count,
            ["jsonDeadLettered"] = $"{jsonDead.Count} of 3",
            ["peakRss"] = ReliabilityFigures.Mib(peak),
        });
        _passed = true;
    }

    public void Dispose()
    {
        if (_passed) try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        else output.WriteLine("outputs kept in " + _work);
    }
}
