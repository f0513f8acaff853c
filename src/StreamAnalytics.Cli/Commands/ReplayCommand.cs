using System.CommandLine;
using System.Text.Json;
using StreamAnalytics.Cli.Pipeline;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Files;
using StreamAnalytics.Sinks.File;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// <c>replay</c>: runs the trace job offline over a file. The job's own topology under the test driver (see
/// <see cref="OfflineRun"/>): traces complete by gap while reading, and end of input completes the rest and closes every
/// window. Writes
/// <c>traces.ndjson</c>, <c>aggregates.ndjson</c> and, when some messages could not be decoded,
/// <c>dead-letter.ndjson</c> (one entry per refused message with its reason).
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = "File of span messages.", Required = true };
        var format = new Option<string>("--format", "-f") { Description = "One of: " + string.Join(", ", SpanFormatNames.All) + ".", Required = true };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Output directory (created if missing).", DefaultValueFactory = _ => new DirectoryInfo("out") };
        var maxSpans = new Option<int>("--max-spans-per-trace") { Description = "assembly.max.spans.per.trace: spans kept per trace.", DefaultValueFactory = _ => AssemblyConfig.Default.MaxSpansPerTrace };
        var windowMs = new Option<long>("--window-ms") { Description = "aggregate.window.ms: tumbling window of the aggregates.", DefaultValueFactory = _ => AggregateConfig.Default.WindowMs };
        var links = new Option<string>("--links") { Description = "features.links.semantics: auto, parent, zipkin or opentelemetry.", DefaultValueFactory = _ => "auto" };
        var strictTraceId = new Option<bool>("--trace-id-strict") { Description = "assembly.trace.id.strict: false joins spans whose trace ids share the lower 64 bits (Zipkin's STRICT_TRACE_ID=false).", DefaultValueFactory = _ => AssemblyConfig.Default.TraceIdStrict };

        var command = new Command("replay", """
            Run trace assembly, feature extraction and aggregation offline over a file of span messages.
            *_json files hold one JSON document or one per line; *_proto files one message or varint-length-delimited messages.

            Examples:
              streamanalytics replay --input spans.otlp.json --format otlp_json --out out/
              streamanalytics replay -i jaeger.bin -f jaeger_proto -o out/ --links zipkin
            """)
        {
            input, format, output, maxSpans, windowMs, links, strictTraceId,
        };
        command.SetAction(parse => Run(
            parse.GetValue(input)!, parse.GetValue(format)!, parse.GetValue(output)!,
            parse.GetValue(maxSpans), parse.GetValue(windowMs), parse.GetValue(links)!, parse.GetValue(strictTraceId)));
        return command;
    }

    private static int Run(FileInfo input, string formatName, DirectoryInfo outDir, int maxSpans, long windowMs, string linkSemantics, bool strictTraceId)
    {
        if (!SpanFormatNames.TryParse(formatName, out SpanFormat format))
        {
            Console.Error.WriteLine($"error: unknown --format '{formatName}'; accepted: {string.Join(", ", SpanFormatNames.All)}");
            return 2;
        }
        if (!input.Exists)
        {
            Console.Error.WriteLine($"error: input file '{input.FullName}' does not exist");
            return 2;
        }
        FeatureConfig features;
        AssemblyConfig assembly;
        AggregateConfig aggregate;
        try
        {
            features = FeatureConfig.FromProperties(new Dictionary<string, string> { [FeatureConfig.LinkSemanticsKey] = linkSemantics });
            // The job's assembly settings: traces complete by gap as the file is read, exactly as in the streaming job.
            assembly = new AssemblyConfig { MaxSpansPerTrace = maxSpans, TraceIdStrict = strictTraceId };
            assembly.Validate();
            aggregate = new AggregateConfig { WindowMs = windowMs };
            aggregate.Validate();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }

        Directory.CreateDirectory(outDir.FullName);
        string deadLetterPath = Path.Combine(outDir.FullName, "dead-letter.ndjson");
        File.Delete(deadLetterPath);
        using var sink = new FileSink(outDir.FullName, FileSinkFormat.Plain);
        StreamWriter? deadLetters = null;
        using var run = new OfflineRun(format, assembly, features, aggregate, [sink], dead =>
        {
            deadLetters ??= new StreamWriter(deadLetterPath);
            deadLetters.WriteLine(JsonSerializer.Serialize(new
            {
                message = dead.Message,
                format = format.ToConfigName(),
                kind = dead.Kind,
                reason = dead.Reason,
            }));
        });
        try
        {
            foreach (ReadOnlyMemory<byte> message in SpanFileReader.ReadMessages(input.FullName, format))
                run.Process(message.ToArray());
            run.Complete();
            run.Flush(CancellationToken.None);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"error: reading '{input.FullName}': {e.Message}");
            return 1;
        }
        finally
        {
            deadLetters?.Dispose();
        }

        Console.WriteLine($"replay: {run.Spans} spans read from {run.Messages} messages, {run.Traces} traces, {run.DeadLettered} decode errors"
            + $", {run.AggregateDocuments} aggregate documents, {run.LateTraces} late traces dropped from aggregates"
            + $" → {sink.FeaturesPath}, {sink.AggregatesPath}" + (run.DeadLettered > 0 ? $", {deadLetterPath}" : ""));
        if (run.Messages > 0 && run.DeadLettered == run.Messages)
        {
            Console.Error.WriteLine($"error: every one of the {run.Messages} messages was refused as {format.ToConfigName()}; " + FormatHint.Describe(input.FullName, format));
            return 1;
        }
        return 0;
    }
}
