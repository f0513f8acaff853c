using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Bench.Book;
using StreamAnalytics.Streams.Testing.Embedded;

namespace StreamAnalytics.Bench;

/// <summary>
/// <c>bench</c> (the root command of <c>streamanalytics-bench</c>): measures the engine on generated data in one run (see BENCHMARKS.md for what each figure means and
/// the figures of the last run). Prints a table; with <c>--json</c> also writes the figures as one JSON object.
/// </summary>
internal static class BenchCommand
{
    /// <summary>The inactivity gap of the benchmarked job (assembly.gap.ms): small, so completion latency is measurable.</summary>
    public const long GapMs = 1000;

    /// <summary>Rate of the paced load of the latency phase: well under the job's capacity, so latency is not queueing.</summary>
    public const double LatencySpansPerSecond = 50_000;

    /// <summary>Default cap on the Kafka phases' data on the embedded cluster: about 3 MiB of LZ4 batches per partition.</summary>
    public const long EmbeddedKafkaSpans = 600_000;

    /// <summary>
    /// Default spans of the book-job phase: one Jaeger span per message is about 170 bytes, and the embedded brokers
    /// keep about 5 MiB per partition, so 4 partitions hold about 250k spans once LZ4 has batched them.
    /// </summary>
    public const long BookSpans = 250_000;

    /// <summary>
    /// How long the long-run restore phase's first job runs (its data paced over that time): 5,000 spans/s, 2 to 120 s
    /// (120 s for the default 600k Kafka spans); BENCH_LONG_RUN_SECONDS overrides.
    /// </summary>
    public static double LongRunSeconds(long spans) =>
        double.TryParse(Environment.GetEnvironmentVariable("BENCH_LONG_RUN_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0
            ? s : Math.Clamp(spans / 5000.0, 2, 120);

    /// <summary>Drains by the bare consumer; the median is reported.</summary>
    public const int RawPasses = 5;

    /// <summary>Parses <paramref name="args"/>; a usage error exits 2 and names what was wrong, as the CLI does.</summary>
    public static async Task<int> RunFromCommandLineAsync(string[] args)
    {
        var root = Create();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await Console.Error.WriteLineAsync("error: " + error.Message);
            await Console.Error.WriteLineAsync("see `streamanalytics bench --help`");
            return 2;
        }
        return await parsed.InvokeAsync();
    }

    public static RootCommand Create()
    {
        var spans = new Option<long>("--spans", "-n") { Description = "Spans of generated data (whole traces).", DefaultValueFactory = _ => 2_000_000 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this file as one JSON object." };
        var kafkaSpans = new Option<long?>("--kafka-spans") { Description = $"Spans of the Kafka phases (a prefix of the data); default all of it, at most {EmbeddedKafkaSpans:N0} on the embedded cluster (its brokers keep about 5 MiB per partition)." };
        var bookSpans = new Option<long>("--book-spans") { Description = "Spans of the book-job phase (jaeger_proto, one span per message, 4 partitions); 0 skips it.", DefaultValueFactory = _ => BookSpans };
        var bookRuns = new Option<int>("--book-runs") { Description = "Interleaved runs of bare consumer, ours and Streamiz in the book-job phase; medians are reported.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated traces.", DefaultValueFactory = _ => 1 };
        var command = new RootCommand("""
            Measure throughput, memory and latency on generated online-shop traces (OTLP protobuf, ~100 spans per message,
            8 partitions): in-process pipeline, decoding alone, a bare Kafka consumer, the trace job end to end, heap per
            open span, completion latency; then the book job (jaeger_proto, one span per message) by a bare consumer, ours and
            Streamiz.Kafka.Net side by side. Uses $KAFKA_BOOTSTRAP when set, else an embedded cluster. See BENCHMARKS.md.

            Examples:
              streamanalytics bench
              streamanalytics bench --spans 500000 --json bench.json
            """)
        {
            spans, kafkaSpans, bookSpans, bookRuns, json, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            long n = parse.GetValue(spans);
            if (n < 1000)
            {
                await Console.Error.WriteLineAsync("error: --spans must be at least 1000");
                return 2;
            }
            long book = parse.GetValue(bookSpans);
            if (book is > 0 and < 1000)
            {
                await Console.Error.WriteLineAsync("error: --book-spans must be 0 or at least 1000");
                return 2;
            }
            int runs = parse.GetValue(bookRuns);
            if (runs < 1)
            {
                await Console.Error.WriteLineAsync("error: --book-runs must be at least 1");
                return 2;
            }
            return await RunAsync(n, parse.GetValue(kafkaSpans), book, runs, parse.GetValue(json), parse.GetValue(seed));
        });
        return command;
    }

    private static async Task<int> RunAsync(long spans, long? kafkaSpansOption, long bookSpans, int bookRuns, FileInfo? jsonFile, int seed)
    {
        var total = Stopwatch.StartNew();
        string commandLine = "streamanalytics bench " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        var machine = MachineFacts.Current();
        Console.WriteLine($"bench: {commandLine}");
        Console.WriteLine($"machine: {machine}");

        var data = Step("generating data", () => BenchDataSet.Generate(spans, seed));
        Console.WriteLine($"  {data.Spans:N0} spans, {data.Traces:N0} traces, {data.Messages.Length:N0} OTLP protobuf messages ({data.Bytes / (double)data.Messages.Length:N0} bytes on average)");
        long latencySpans = Math.Clamp(spans / 10, 1000, 200_000);
        var latencyData = BenchDataSet.Generate(latencySpans, seed + 1);

        // BENCH_ONLY (diagnostics, for profiling one path): "inprocess" stops after the phases without Kafka; "book" runs
        // only the book-job phase; "job" runs the OTLP trace job (produce, raw consume, warm-ups, the job) and stops.
        // None writes the report.
        string? only = Environment.GetEnvironmentVariable("BENCH_ONLY");
        if (only is not null and not "inprocess" and not "book" and not "job")
        {
            await Console.Error.WriteLineAsync($"error: BENCH_ONLY must be 'inprocess', 'book' or 'job', not '{only}'");
            return 2;
        }
        if (only is not null) Console.WriteLine($"BENCH_ONLY={only}: a partial run, no report");
        double inProcess = 0, inProcessCpu = 0, inProcessDocuments = 0, decode = 0, bytesPerSpan = 0;
        if (only is null or "inprocess")
        {
            inProcess = Step("in-process pipeline", () => InProcessBenchmark.PipelineSpansPerSecond(data, GapMs, out _, out inProcessCpu));
            // What the job does per trace beyond that, still without Kafka: the features document serialized.
            inProcessDocuments = Step("in-process pipeline, documents serialized", () => InProcessBenchmark.PipelineSpansPerSecond(data, GapMs, out _, out _, serializeDocuments: true));
            decode = Step("decode only", () => InProcessBenchmark.DecodeSpansPerSecond(data));
            bytesPerSpan = Step("heap per open span", () => InProcessBenchmark.BytesPerOpenSpan(data));
        }
        if (only is "inprocess")
        {
            Console.WriteLine($"  in process {inProcess:N0} spans/s ({inProcessCpu:F0} ns CPU per span; {inProcessDocuments:N0} with documents serialized), decode only {decode:N0} spans/s (ratio {inProcess / decode:F2}), {bytesPerSpan:F1} bytes per open span");
            return 0;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(Environment.GetEnvironmentVariable("BENCH_LOG_LEVEL") is { } level ? Enum.Parse<LogLevel>(level) : LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        using var kafka = KafkaBenchmark.Start(loggerFactory);
        if (only is "book")
        {
            await RunBookAsync(kafka, loggerFactory, bookSpans, bookRuns, seed);
            return 0;
        }
        Console.WriteLine($"kafka: {(kafka.Embedded ? "embedded cluster" : "KAFKA_BOOTSTRAP")} {kafka.Bootstrap}, topic {kafka.Topic} ({KafkaBenchmark.Partitions} partitions)");
        await kafka.CreateTopicAsync();
        long kafkaSpans = Math.Min(spans, kafkaSpansOption ?? (kafka.Embedded ? EmbeddedKafkaSpans : spans));
        var kafkaData = kafkaSpans >= data.Spans ? data : data.Prefix(kafkaSpans);
        Console.WriteLine($"  Kafka phases on {kafkaData.Spans:N0} spans ({kafkaData.Messages.Length:N0} messages)");
        Step("producing", () => { kafka.ProduceAll(kafkaData); return 0; });
        double raw = Step($"raw consume (median of {RawPasses})", () => kafka.RawConsumeSpansPerSecond(kafkaData, RawPasses));
        // A first job on its own topic brings the job's code to its optimised tiers (other data: seed + 2).
        var warmUpData = BenchDataSet.Generate(Math.Clamp(kafkaData.Spans / 4, 1000, 150_000), seed + 2);
        Step($"warm-up jobs (2 × {warmUpData.Spans:N0} spans, own topics)", () => { kafka.WarmUpJobAsync(warmUpData, GapMs).GetAwaiter().GetResult(); return 0; });
        Console.Write("  trace job (drain, then paced latency load) ...");
        var watch = Stopwatch.StartNew();
        var job = await kafka.RunJobAsync(kafkaData, latencyData, LatencySpansPerSecond, GapMs);
        Console.WriteLine($" {watch.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"  job: {job.Traces:N0} traces from the drain ({job.LateRevisions:N0} late revisions), {job.LatencyTraces:N0} traces of the latency load");
        Console.WriteLine($"  job: records ingested at {job.IngestSpansPerSec:N0} spans/s; every trace's features out at {job.EndToEndSpansPerSec:N0} spans/s");
        if (job.CommitFailures > 0 || job.DeadLettered > 0)
            Console.WriteLine($"  warning: {job.CommitFailures} commit failures, {job.DeadLettered} dead-lettered records during the run");
        if (only is "job") return 0;

        var restore = Step("restore of every open trace by a new owner", () => kafka.RestoreAsync(kafkaData).GetAwaiter().GetResult());
        Console.WriteLine($"  restore: {restore.OpenTraces:N0} open traces ({kafkaData.Spans:N0} spans) from {restore.ChangelogRecords:N0} changelog records in {restore.Seconds:F2} s");

        BookFigures? book = bookSpans > 0 ? await RunBookAsync(kafka, loggerFactory, bookSpans, bookRuns, seed) : null;

        double longRunSeconds = LongRunSeconds(kafkaData.Spans);
        var longRun = Step($"restore after a {longRunSeconds:F0} s run", () => kafka.LongRunRestoreAsync(kafkaData, longRunSeconds, GapMs).GetAwaiter().GetResult());
        Console.WriteLine($"  long-run restore: {longRun.OpenTraces:N0} of {kafkaData.Traces:N0} traces open after {longRun.RunSeconds:F0} s; "
            + $"{longRun.ChangelogRecords:N0} changelog records ({longRun.ChangelogRecords * 1000.0 / longRun.Spans:F0} per 1,000 spans), "
            + $"{longRun.LiveRecords:N0} live after compaction, {longRun.OpenInLog:N0} traces open in the log; restored in {longRun.RestoreSeconds:F2} s, "
            + $"then {longRun.RestoredTraces:N0} open traces with {longRun.ProcessedAfterRestore:N0} input records processed again");

        var report = new BenchReport
        {
            InProcessSpansPerSec = inProcess,
            InProcessCpuNsPerSpan = inProcessCpu,
            DecodeOnlySpansPerSec = decode,
            RawConsumeSpansPerSec = raw,
            EndToEndSpansPerSec = job.EndToEndSpansPerSec,
            EndToEndVsRaw = job.EndToEndSpansPerSec / raw,
            InProcessVsDecode = inProcess / decode,
            IngestSpansPerSec = job.IngestSpansPerSec,
            BytesPerOpenSpan = bytesPerSpan,
            CompletionLatencyP99Ms = job.CompletionLatencyP99Ms,
            RestoreSpansPerSec = restore.SpansPerSec,
            EndToEndVsInProcess = job.EndToEndSpansPerSec / inProcess,
            InProcessWithDocumentsSpansPerSec = inProcessDocuments,
            EndToEndVsInProcessWithDocuments = job.EndToEndSpansPerSec / inProcessDocuments,
            BookBareSpansPerSec = book?.Bare.SpansPerSec ?? 0,
            BookOursSpansPerSec = book?.Ours.SpansPerSec ?? 0,
            BookStreamizSpansPerSec = book?.Streamiz.SpansPerSec ?? 0,
            BookOursVsBare = book?.OursVsBare ?? 0,
            BookOursVsStreamiz = book?.OursVsStreamiz ?? 0,
            BookOursCpuUsPerSpan = book?.Ours.CpuUsPerSpan ?? 0,
            BookStreamizCpuUsPerSpan = book?.Streamiz.CpuUsPerSpan ?? 0,
            BookBareCpuUsPerSpan = book?.Bare.CpuUsPerSpan ?? 0,
            BookBareDecodeSpansPerSec = book?.BareDecode.SpansPerSec ?? 0,
            BookBareDecodeVsBare = book?.BareDecodeVsBare ?? 0,
            BookOursAllocatedBytesPerSpan = book?.Ours.AllocatedBytesPerSpan ?? 0,
            BookStreamizAllocatedBytesPerSpan = book?.Streamiz.AllocatedBytesPerSpan ?? 0,
            BookBareAllocatedBytesPerSpan = book?.Bare.AllocatedBytesPerSpan ?? 0,
            BookSpans = book?.Spans ?? 0,
            BookTraces = book?.Traces ?? 0,
            BookOursRecords = book?.OursRecords ?? 0,
            BookStreamizRecords = book?.StreamizRecords ?? 0,
            BookRuns = book?.Runs ?? 0,
            Spans = data.Spans,
            Traces = data.Traces,
            Messages = data.Messages.Length,
            KafkaSpans = kafkaData.Spans,
            LatencySpans = latencyData.Spans,
            LatencyLoadSpansPerSec = LatencySpansPerSecond,
            GapMs = GapMs,
            InputBytesPerSpan = kafkaData.Bytes / (double)kafkaData.Spans,
            KafkaWrites = job.Writes,
            Kafka = kafka.Embedded ? "embedded" : "KAFKA_BOOTSTRAP",
            Machine = machine,
            Command = commandLine,
        };
        Console.WriteLine();
        Console.Write(report.ToTable());
        if (report.KafkaWrites.Count > 0) Console.Write("\n" + report.WritesTable());
        Console.WriteLine($"\nbench: done in {total.Elapsed.TotalSeconds:F0} s");
        if (jsonFile is not null)
        {
            await File.WriteAllTextAsync(jsonFile.FullName, report.ToJson());
            Console.WriteLine($"bench: figures written to {jsonFile.FullName}");
        }
        return 0;
    }

    private static async Task<BookFigures> RunBookAsync(KafkaBenchmark kafka, ILoggerFactory loggerFactory, long bookSpans, int bookRuns, int seed)
    {
        var bookData = Step("book-job data (jaeger_proto, one span per message)", () => BookDataSet.Generate(bookSpans, seed + 3));
        // As large as a run: with a quarter (60k spans) the JIT was still re-compiling our hot path through the first runs
        // (ours 185k, 268k, 406k spans/s in runs 1-3 of one invocation; the tiering thread took 0.5-0.65 s of CPU in run 1).
        var bookWarmUp = BookDataSet.Generate(Math.Clamp(bookSpans, 1000, 250_000), seed + 4);
        // Streamiz 1.8.2 depends on Confluent.Kafka 2.15.1, the product's version: one librdkafka in the process.
        Console.WriteLine($"  book job: {bookData.Spans:N0} spans, {bookData.Traces:N0} traces, {bookData.Bytes / (double)bookData.Spans:F0} bytes per span; librdkafka {Confluent.Kafka.Library.VersionString}" +
            (kafka.Embedded ? $" ({LibrdkafkaLocator.LoadedPath})" : ""));
        Console.WriteLine("  book job (bare consumer, then ours and Streamiz.Kafka.Net, each after a warm-up on its own topic) ...");
        var bookWatch = Stopwatch.StartNew();
        var book = await new BookJobBenchmark(kafka, loggerFactory).RunAsync(bookData, bookWarmUp, bookRuns);
        Console.WriteLine($"  book job: {bookWatch.Elapsed.TotalSeconds:F1} s; medians: bare {book.Bare.SpansPerSec:N0}, ours {book.Ours.SpansPerSec:N0} " +
            $"({book.Ours.CpuUsPerSpan:F2} µs CPU, {book.Ours.AllocatedBytesPerSpan:F0} B allocated per span), Streamiz {book.Streamiz.SpansPerSec:N0} ({book.Streamiz.CpuUsPerSpan:F2} µs, {book.Streamiz.AllocatedBytesPerSpan:F0} B) spans/s; bare {book.Bare.AllocatedBytesPerSpan:F0} B per record; " +
            $"ours/bare {book.OursVsBare:F2}, ours/Streamiz {book.OursVsStreamiz:F2}; bare + decode {book.BareDecode.SpansPerSec:N0} spans/s ({book.BareDecode.CpuUsPerSpan:F2} µs), bare + decode/bare {book.BareDecodeVsBare:F2}");
        return book;
    }

    private static T Step<T>(string name, Func<T> run)
    {
        Console.Write($"  {name} ...");
        var watch = Stopwatch.StartNew();
        T result = run();
        Console.WriteLine($" {watch.Elapsed.TotalSeconds:F1} s");
        return result;
    }
}
