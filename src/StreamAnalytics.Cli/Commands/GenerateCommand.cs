using System.CommandLine;
using System.Diagnostics;
using Confluent.Kafka;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Files;
using StreamAnalytics.Tools.Generate;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// <c>generate</c>: a realistic span load (the online-shop topology or a topology file) to a Kafka topic or a file,
/// paced to a spans-per-second rate, deterministic for a seed.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var bootstrap = new Option<string?>("--bootstrap", "-b") { Description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP)." };
        var topic = new Option<string>("--topic", "-t") { Description = "Topic to produce to.", DefaultValueFactory = _ => "spans" };
        var format = new Option<string>("--format", "-f") { Description = "One of: " + string.Join(", ", SpanFormatNames.All) + ".", DefaultValueFactory = _ => "otlp_proto" };
        var rate = new Option<double>("--rate", "-r") { Description = "Spans per second; 0 = as fast as possible.", DefaultValueFactory = _ => 1000 };
        var duration = DurationOption.Create("--duration", $"How long to produce ({DurationOption.Forms}); default: until --spans or Ctrl-C.", null, "-d");
        var spans = new Option<long?>("--spans", "-n") { Description = "Stop after about this many spans (whole traces)." };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same traces.", DefaultValueFactory = _ => 1 };
        var systemFile = new Option<FileInfo?>("--topology") { Description = "Topology JSON (default: the built-in online shop, jobs/topologies/online-shop.json)." };
        var batch = new Option<int>("--spans-per-message") { Description = "Spans per message for batch formats (OTLP, Zipkin).", DefaultValueFactory = _ => 100 };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write messages to this file instead of Kafka (the framing `replay` reads)." };
        var noLong = new Option<bool>("--no-long-traces") { Description = "Disable the occasional very deep and very wide report traces." };
        var connectTimeout = DurationOption.Create("--connect-timeout", "How long to wait for a first broker answer before giving up (exit 1).",
            DurationOption.Format(KafkaPreflight.DefaultTimeout));

        var command = new Command("generate", """
            Produce realistic spans of a simulated microservice system (fan-out, databases, message queues, errors, latency incidents).

            Examples:
              streamanalytics generate --bootstrap localhost:9092 --topic spans --format otlp_proto --rate 5000 --duration 1m
              streamanalytics generate --format zipkin_json --spans 10000 --out spans.zipkin.json --seed 7
            """)
        {
            bootstrap, topic, format, rate, duration, spans, seed, systemFile, batch, output, noLong, connectTimeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!SpanFormatNames.TryParse(parse.GetValue(format), out SpanFormat spanFormat))
            {
                await Console.Error.WriteLineAsync($"error: unknown --format '{parse.GetValue(format)}'; accepted: {string.Join(", ", SpanFormatNames.All)}");
                return 2;
            }
            SimulatedSystem system;
            try
            {
                system = parse.GetValue(systemFile) is { } tf ? SimulatedSystem.Load(tf.FullName) : SimulatedSystem.OnlineShop;
                if (parse.GetValue(noLong)) system = WithoutLongTraces(system);
            }
            catch (Exception e) when (e is SimulatedSystemException or IOException)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
                return 2;
            }
            var options = new GenerateOptions(spanFormat, parse.GetValue(rate), parse.GetValue(duration), parse.GetValue(spans), parse.GetValue(seed), parse.GetValue(batch));
            if (parse.GetValue(output) is { } file)
                return await GenerateToFileAsync(system, options, file, cancellationToken);

            string? servers = parse.GetValue(bootstrap) ?? Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP");
            if (string.IsNullOrWhiteSpace(servers))
            {
                await Console.Error.WriteLineAsync("error: --bootstrap (or KAFKA_BOOTSTRAP) is required unless --out is given");
                return 2;
            }
            if (KafkaPreflight.Check(servers, parse.GetValue(connectTimeout) ?? KafkaPreflight.DefaultTimeout) is { } unreachable)
            {
                await Console.Error.WriteLineAsync("error: " + unreachable);
                return 1;
            }
            if (options.Duration is null && options.MaxSpans is null && Console.IsInputRedirected)
                Console.Error.WriteLine("note: no --duration or --spans: producing until interrupted");
            var (exitCode, _) = await GenerateToKafkaAsync(system, options, servers, parse.GetValue(topic)!, Console.Out, cancellationToken);
            return exitCode;
        });
        return command;
    }

    internal sealed record GenerateOptions(SpanFormat Format, double SpansPerSecond, TimeSpan? Duration, long? MaxSpans, int Seed, int SpansPerMessage);

    internal static SimulatedSystem WithoutLongTraces(SimulatedSystem system) => system
        .WithEntryPointWeight(SimulatedSystem.ReportingService, SimulatedSystem.DeepReportOperation, 0)
        .WithEntryPointWeight(SimulatedSystem.ReportingService, SimulatedSystem.WideReportOperation, 0);

    private static TraceGenerator CreateGenerator(SimulatedSystem system, GenerateOptions options)
    {
        if (options.SpansPerSecond > 0)
            system = system.WithTracesPerSecond(options.SpansPerSecond / system.EstimateMeanSpansPerTrace());
        return new TraceGenerator(system, options.Seed, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
    }

    private static async Task<int> GenerateToFileAsync(SimulatedSystem system, GenerateOptions options, FileInfo file, CancellationToken ct)
    {
        long max = options.MaxSpans ?? 10_000;
        var generator = CreateGenerator(system, options with { SpansPerSecond = 0 });
        var batcher = new SpanMessageBatcher(options.Format, options.SpansPerMessage);
        var messages = new List<byte[]>();
        while (generator.SpansGenerated < max && !ct.IsCancellationRequested)
            foreach (var (_, value) in batcher.Add(generator.NextTrace())) messages.Add(value);
        foreach (var (_, value) in batcher.Flush()) messages.Add(value);
        await using (var stream = File.Create(file.FullName))
            SpanFileWriter.Write(stream, options.Format, messages);
        Console.WriteLine($"generate: {generator.SpansGenerated} spans in {generator.TracesGenerated} traces, {messages.Count} messages → {file.FullName}");
        return 0;
    }

    /// <summary>Produces until the duration, span count or cancellation; returns the exit code and the spans generated.</summary>
    internal static async Task<(int ExitCode, long Spans)> GenerateToKafkaAsync(SimulatedSystem system, GenerateOptions options, string servers, string topic, TextWriter output, CancellationToken ct)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = servers,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
            EnableIdempotence = true,
            // Keyed records (Jaeger) must land where Java clients would put them: Kafka's murmur2.
            Partitioner = Partitioner.Murmur2Random,
        };
        // librdkafka's own log lines (%3|...|ERROR|...) would repeat every reconnect attempt: say the first one in a
        // line of our own, and count the rest (a broker lost for the whole run shows as failed deliveries at the end).
        int clientErrors = 0;
        void ClientError(string reason)
        {
            if (Interlocked.Increment(ref clientErrors) == 1)
                Console.Error.WriteLine($"generate: Kafka client error: {reason} (retrying; further client errors are not shown)");
        }
        using var producer = new ProducerBuilder<byte[]?, byte[]>(config)
            .SetLogHandler((_, m) => { if (m.Level <= SyslogLevel.Error) ClientError(m.Message); })
            .SetErrorHandler((_, e) => ClientError(e.Reason))
            .Build();
        var generator = CreateGenerator(system, options);
        var batcher = new SpanMessageBatcher(options.Format, options.SpansPerMessage);
        long startVirtual = generator.VirtualNowUnixNanos;
        var clock = Stopwatch.StartNew();
        var nextReport = TimeSpan.FromSeconds(1);
        long delivered = 0, failed = 0, messages = 0;
        void Produce((byte[]? Key, byte[] Value) m)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<byte[]?, byte[]> { Key = m.Key, Value = m.Value }, r =>
                    {
                        if (r.Error.IsError) Interlocked.Increment(ref failed); else Interlocked.Increment(ref delivered);
                    });
                    messages++;
                    return;
                }
                catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50)); // back-pressure: wait for deliveries instead of buffering more
                }
            }
        }

        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (options.Duration is { } d && clock.Elapsed >= d) break;
                if (options.MaxSpans is { } n && generator.SpansGenerated >= n) break;
                if (options.SpansPerSecond > 0)
                {
                    // Pace the virtual clock against the wall clock.
                    var ahead = TimeSpan.FromTicks((generator.VirtualNowUnixNanos - startVirtual) / 100) - clock.Elapsed;
                    if (ahead > TimeSpan.FromMilliseconds(2))
                    {
                        foreach (var m in batcher.Flush()) Produce(m);
                        await Task.Delay(ahead < TimeSpan.FromMilliseconds(100) ? ahead : TimeSpan.FromMilliseconds(100), ct);
                        continue;
                    }
                }
                foreach (var m in batcher.Add(generator.NextTrace())) Produce(m);
                if (clock.Elapsed >= nextReport)
                {
                    output.WriteLine($"generate: {generator.SpansGenerated} spans, {generator.TracesGenerated} traces, {messages} messages, {generator.SpansGenerated / clock.Elapsed.TotalSeconds:F0} spans/s");
                    nextReport += TimeSpan.FromSeconds(5);
                }
            }
        }
        catch (OperationCanceledException) { }
        foreach (var m in batcher.Flush()) Produce(m);
        int undelivered = producer.Flush(TimeSpan.FromSeconds(30));
        if (undelivered > 0) failed += undelivered;
        output.WriteLine($"generate: done: {generator.SpansGenerated} spans in {generator.TracesGenerated} traces, {messages} messages ({delivered} delivered, {failed} failed or undelivered) to {topic}");
        return (failed == 0 ? 0 : 1, generator.SpansGenerated);
    }
}
