using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Files;
using StreamAnalytics.TestSupport;
using StreamAnalytics.Tools.Generate;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// A known, deterministic input: OTLP protobuf messages of generated traces (fixed seed and virtual start time, so
/// the same bytes every run), the reference features computed offline by <c>replay</c> of exactly those messages,
/// and a producer that sends them to Kafka in paced chunks so faults can be injected in between.
/// </summary>
public sealed class SpanLoad
{
    private const long VirtualStartUnixNanos = 1_790_000_000_000_000_000;

    private SpanLoad(IReadOnlyList<byte[]> messages, long spans, IReadOnlyDictionary<string, string> reference)
    {
        Messages = messages;
        Spans = spans;
        Reference = reference;
    }

    public IReadOnlyList<byte[]> Messages { get; }

    public long Spans { get; }

    /// <summary>Trace id → normalized features document (see <see cref="Normalize"/>) from <c>replay</c>.</summary>
    public IReadOnlyDictionary<string, string> Reference { get; }

    /// <summary>Generates about <paramref name="spans"/> spans (whole traces, without the rare very long report traces) and replays them for the reference.</summary>
    public static async Task<SpanLoad> CreateAsync(int spans, int seed, string workDirectory)
    {
        var topology = GenerateCommandSystem();
        var generator = new TraceGenerator(topology, seed, VirtualStartUnixNanos);
        var batcher = new SpanMessageBatcher(SpanFormat.OtlpProto, 100);
        var messages = new List<byte[]>();
        while (generator.SpansGenerated < spans)
            foreach (var (_, value) in batcher.Add(generator.NextTrace())) messages.Add(value);
        foreach (var (_, value) in batcher.Flush()) messages.Add(value);

        Directory.CreateDirectory(workDirectory);
        string input = Path.Combine(workDirectory, "load.otlp_proto");
        await using (var stream = File.Create(input)) SpanFileWriter.Write(stream, SpanFormat.OtlpProto, messages);
        string refDir = Path.Combine(workDirectory, "reference");
        var (code, _, stderr) = await CliProcess.RunAsync(["replay", "-i", input, "-f", "otlp_proto", "-o", refDir], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, "replay of the reference failed: " + stderr);
        var reference = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (traceId, doc) in FeatureOutput.ReadDocuments(Path.Combine(refDir, "traces.ndjson")))
            Assert.True(reference.TryAdd(traceId, doc), $"replay emitted trace {traceId} twice");
        Assert.Equal(generator.TracesGenerated, reference.Count);
        return new SpanLoad(messages, generator.SpansGenerated, reference);
    }

    private static SimulatedSystem GenerateCommandSystem() => StreamAnalytics.Cli.Commands.GenerateCommand.WithoutLongTraces(SimulatedSystem.OnlineShop);

    /// <summary>
    /// The features document as a comparable string: without <c>revision</c> and <c>completionReason</c> (a trace
    /// re-emitted after a restart or completed by another rule carries the same features).
    /// </summary>
    public static string Normalize(JsonNode doc)
    {
        var obj = doc.AsObject();
        obj.Remove("revision");
        obj.Remove("completionReason");
        return obj.ToJsonString();
    }

    /// <summary>Produces <see cref="Messages"/>[from..to) (null keys: OTLP batches are not keyed) and waits for every delivery.</summary>
    public static void Produce(IProducer<byte[]?, byte[]> producer, string topic, IReadOnlyList<byte[]> messages, int from, int to)
    {
        var errors = new List<string>();
        for (int i = from; i < to; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<byte[]?, byte[]> { Value = messages[i] }, r =>
                    {
                        if (r.Error.IsError) lock (errors) errors.Add(r.Error.ToString());
                    });
                    break;
                }
                catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        int left = producer.Flush(TimeSpan.FromSeconds(60));
        Assert.True(left == 0 && errors.Count == 0, $"{left} undelivered, errors: {string.Join("; ", errors.Take(5))}");
    }

    /// <summary>
    /// Produces in <paramref name="chunks"/> chunks with a pause after each, so the engine reads each part before the
    /// mock broker's log cap (5 MB per partition, oldest dropped) can reach it; a burst of many megabytes would lose
    /// its beginning in the test cluster, not in the engine.
    /// </summary>
    public static async Task ProducePacedAsync(IProducer<byte[]?, byte[]> producer, string topic, IReadOnlyList<byte[]> messages, int chunks, TimeSpan pause)
    {
        int per = (messages.Count + chunks - 1) / chunks;
        for (int from = 0; from < messages.Count; from += per)
        {
            Produce(producer, topic, messages, from, Math.Min(messages.Count, from + per));
            await Task.Delay(pause);
        }
    }

    public static IProducer<byte[]?, byte[]> CreateProducer(string bootstrap) =>
        new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            LingerMs = 5,
            EnableIdempotence = true,
            Partitioner = Partitioner.Murmur2Random,
            // Unkeyed records go to a random partition each, as the spec says. With librdkafka's default sticky
            // partitioning a fast burst lands on one partition, and the mock broker keeps at most 5 MB per partition,
            // silently dropping the oldest records: that looked exactly like lost traces.
            StickyPartitioningLingerMs = 0,
            MessageTimeoutMs = 120_000,
        }).Build();
}

/// <summary>Reads the features documents the engines wrote (file sink, plain format) and checks them against the reference.</summary>
public static class FeatureOutput
{
    /// <summary>
    /// (trace id, normalized document) of each complete line. A SIGKILL can cut the last line of a file short; such a
    /// line was never flushed before a commit (the file sink fsyncs before offsets are committed), so its trace is
    /// re-processed by the next owner and the fragment is ignored.
    /// </summary>
    public static IEnumerable<(string TraceId, string Document)> ReadDocuments(string path)
    {
        if (!File.Exists(path)) yield break;
        foreach (string line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(line); }
            catch (JsonException) { continue; }
            if (node?["traceId"]?.GetValue<string>() is not { } id) continue;
            yield return (id, SpanLoad.Normalize(node));
        }
    }

    /// <summary>Every document of every engine incarnation, with the incarnation that wrote it.</summary>
    public static List<(string Engine, string TraceId, string Document)> ReadAll(string outputRoot)
    {
        var result = new List<(string, string, string)>();
        if (!Directory.Exists(outputRoot)) return result;
        foreach (string dir in Directory.GetDirectories(outputRoot))
            foreach (var (id, doc) in ReadDocuments(Path.Combine(dir, "traces.ndjson"))) result.Add((Path.GetFileName(dir), id, doc));
        return result;
    }

    public static int DistinctTraces(string outputRoot) => ReadAll(outputRoot).Select(d => d.TraceId).Distinct().Count();

    /// <summary>
    /// Asserts that every reference trace was emitted, that every emitted document equals the reference (so
    /// duplicates are identical in content and no trace came out partial), and that nothing unknown was emitted.
    /// Returns (documents, duplicates).
    /// </summary>
    public static (int Documents, int Duplicates) AssertMatchesReference(IReadOnlyDictionary<string, string> reference, IReadOnlyList<(string Engine, string TraceId, string Document)> docs)
    {
        var missing = reference.Keys.Except(docs.Select(d => d.TraceId)).ToList();
        var unknown = docs.Where(d => !reference.ContainsKey(d.TraceId)).ToList();
        var wrong = docs.Where(d => reference.TryGetValue(d.TraceId, out string? r) && r != d.Document).ToList();
        string Detail()
        {
            var first = wrong.FirstOrDefault();
            return $"{missing.Count} of {reference.Count} traces missing (e.g. {string.Join(", ", missing.Take(3))}); " +
                   $"{unknown.Count} unknown; {wrong.Count} documents differ from the reference" +
                   (first.TraceId is null ? "" : $", e.g. {first.TraceId} from {first.Engine}:\n  got      {first.Document}\n  expected {reference[first.TraceId]}");
        }
        Assert.True(missing.Count == 0 && unknown.Count == 0 && wrong.Count == 0, Detail());
        return (docs.Count, docs.Count - reference.Count);
    }
}
