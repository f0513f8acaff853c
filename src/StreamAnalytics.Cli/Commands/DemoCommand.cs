using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Spectre.Console;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Demo;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Formats;
using StreamAnalytics.Streams.Testing.Embedded;
using StreamAnalytics.Tools.Generate;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// <c>demo</c>: the embedded default. An in-process Kafka cluster, the online-shop generator, the trace job, the
/// <c>/metrics</c> endpoint and the file sink, with live progress and a closing report.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var duration = DurationOption.Create("--duration", $"How long to generate spans: {DurationOption.Forms}.", "30s", "-d");
        var rate = new Option<double>("--rate", "-r") { Description = "Spans per second produced by the generator.", DefaultValueFactory = _ => 5000 };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Directory of the file sink.", DefaultValueFactory = _ => new DirectoryInfo(".demo") };
        var metrics = new Option<string>("--metrics-bind") { Description = "Address of /metrics, /healthz, /readyz.", DefaultValueFactory = _ => "127.0.0.1:9464" };
        var format = new Option<string>("--format", "-f") { Description = "Span format on the topic.", DefaultValueFactory = _ => "otlp_proto" };
        var seed = new Option<int>("--seed") { Description = "Generator seed.", DefaultValueFactory = _ => 1 };

        var command = new Command("demo", """
            Run everything on this machine: an embedded Kafka cluster, a span generator (an online shop with an incident),
            the trace job, the Prometheus endpoint and the file sink. Shows live progress and, at the end, a report.

            Examples:
              streamanalytics demo
              streamanalytics demo --duration 2m --rate 20000 --out /tmp/demo
            """)
        {
            duration, rate, output, metrics, format, seed,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(duration) ?? TimeSpan.FromSeconds(30), parse.GetValue(rate), parse.GetValue(output)!, parse.GetValue(metrics)!,
            parse.GetValue(format)!, parse.GetValue(seed), ct));
        return command;
    }

    private const int DemoGapMs = 2000, DemoWindowMs = 5000, DemoGraceMs = 1000;

    private static async Task<int> RunAsync(TimeSpan duration, double rate, DirectoryInfo outDir, string metricsBind, string format, int seed, CancellationToken ct)
    {
        const string app = "demo";
        TraceJobSettings settings;
        try
        {
            settings = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
            {
                ["application.id"] = app,
                ["kafka.bootstrap.servers"] = TraceJobSettings.EmbeddedBootstrap,
                ["source.topics"] = "spans",
                ["source.format"] = format,
                // Demo-sized timings: traces complete 2 s after their last span, windows are 5 s.
                ["assembly.gap.ms"] = DemoGapMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["assembly.root.grace.ms"] = "1000",
                ["aggregate.window.ms"] = DemoWindowMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["aggregate.grace.ms"] = DemoGraceMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["file.dir"] = outDir.FullName,
                ["metrics.bind"] = metricsBind,
                ["log.level"] = "warning",
            }));
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return 2;
        }

        if (Console.IsOutputRedirected)
        {
            // Piped or captured output: no colours or cursor codes, and no wrapping of the report's lines.
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            AnsiConsole.Profile.Width = 200;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var loggerFactory = Logging.Create(settings);
        using var cluster = EmbeddedKafkaCluster.Start(brokers: 1, defaultPartitions: 8);
        cluster.CreateTopic("spans", 8);
        var report = new DemoReport();
        using var progress = new DemoProgress();
        await using var host = new TraceJobHost(settings, loggerFactory);
        host.AddSink(report);
        try
        {
            await host.StartAsync(stop.Token, cluster);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"error: the job could not start: {e.Message}");
            return 1;
        }

        AnsiConsole.MarkupLine($"[bold]StreamAnalytics demo[/]: embedded Kafka at [blue]{cluster.BootstrapServers}[/], topic [blue]spans[/] (8 partitions, {format})");
        AnsiConsole.MarkupLine($"metrics: [blue]{host.MetricsServer!.BaseAddress}metrics[/]  health: [blue]{host.MetricsServer.BaseAddress}readyz[/]  output: [blue]{outDir.FullName}[/]");
        AnsiConsole.MarkupLine($"generating ~{rate:N0} spans/s for {duration}; Ctrl-C stops early");

        var generator = Task.Run(() => GenerateAsync(cluster.BootstrapServers, format, rate, duration, seed, stop.Token));
        var clock = Stopwatch.StartNew();
        long lastSpans = 0;
        var lastTick = TimeSpan.Zero;
        bool interactive = !Console.IsOutputRedirected;
        var drainDeadline = TimeSpan.MaxValue;
        var generatorDone = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            try { await Task.Delay(interactive ? 500 : 2000, stop.Token); } catch (OperationCanceledException) { break; }
            progress.Sample();
            var status = host.Streams!.GetStatus();
            long lag = status.AssignedPartitions.Sum(p => p.Lag ?? 0);
            long spans = progress.SpansDecoded;
            double perSecond = (spans - lastSpans) / Math.Max(0.001, (clock.Elapsed - lastTick).TotalSeconds);
            (lastSpans, lastTick) = (spans, clock.Elapsed);
            string line = $"{clock.Elapsed:mm\\:ss}  spans {spans,10:N0}  {perSecond,8:N0} spans/s  open traces {progress.OpenTraces,7:N0}  completed {progress.CompletedTraces,9:N0}  lag {lag,7:N0}  {status.State}";
            if (interactive) Console.Write("\r" + line); else Console.WriteLine(line);
            if (generator.IsCompleted && drainDeadline == TimeSpan.MaxValue)
            {
                generatorDone = clock.Elapsed;
                drainDeadline = clock.Elapsed + TimeSpan.FromMilliseconds(3 * (DemoGapMs + DemoWindowMs + DemoGraceMs));
                // Say what the quiet seconds are: traces complete a gap after their last span, windows close a
                // window and its grace after their start.
                if (interactive) Console.WriteLine();
                AnsiConsole.MarkupLine($"generator finished; draining: open traces complete {DemoGapMs / 1000.0:0.#} s after their last span, the last aggregate windows close within {(DemoWindowMs + DemoGraceMs) / 1000.0:0.#} s (at most {(drainDeadline - clock.Elapsed).TotalSeconds:0} s); Ctrl-C stops now");
            }
            // After the generator stops: every trace completes a gap later, and the last windows close once the
            // wall clock has moved a window and its grace past them. Bounded either way.
            bool drained = progress.OpenTraces == 0 && lag == 0 && clock.Elapsed - generatorDone >= TimeSpan.FromMilliseconds(DemoGapMs + DemoWindowMs + DemoGraceMs + 1000);
            if (generator.IsCompleted && (drained || clock.Elapsed > drainDeadline)) break;
        }
        if (interactive) Console.WriteLine();
        bool interrupted = stop.IsCancellationRequested;
        progress.Sample();
        long openAtStop = progress.OpenTraces;
        stop.Cancel();
        long produced = await generator;
        await host.StopAsync();
        PrintReport(report, produced, host, outDir);
        if (interrupted && openAtStop > 0)
            AnsiConsole.MarkupLine($"[yellow]interrupted[/]: {openAtStop:N0} traces were still open (waiting for their gap) and are left out of this report; their spans stay in the changelog of this throw-away cluster");
        else if (interrupted)
            AnsiConsole.MarkupLine("[yellow]interrupted[/]: no trace was open, so the report covers every span consumed");
        return 0;
    }

    private static async Task<long> GenerateAsync(string bootstrap, string format, double rate, TimeSpan duration, int seed, CancellationToken ct)
    {
        // The same code path as `streamanalytics generate`, in-process and quiet (the demo prints its own progress).
        SpanFormatNames.TryParse(format, out SpanFormat spanFormat);
        var options = new GenerateCommand.GenerateOptions(spanFormat, rate, duration, null, seed, 100);
        var (_, spans) = await GenerateCommand.GenerateToKafkaAsync(SimulatedSystem.OnlineShop, options, bootstrap, "spans", TextWriter.Null, ct);
        return spans;
    }

    private static void PrintReport(DemoReport report, long produced, TraceJobHost host, DirectoryInfo outDir)
    {
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[bold]Report[/]: {produced:N0} spans produced, {report.Spans:N0} spans in {report.Traces:N0} completed traces, {report.Aggregates:N0} aggregate documents");

        var paths = new Table().Title("Top service paths").AddColumns("path", "traces", "traces with an error span");
        foreach (var (path, traces, errorRate) in report.TopPaths(8)) paths.AddRow(Markup.Escape(path), traces.ToString("N0"), errorRate.ToString("P1"));
        AnsiConsole.Write(paths);

        var roots = new Table().Title("Slowest root operations").AddColumns("root operation", "traces", "p50 ms", "p99 ms", "root span failed");
        foreach (var (root, traces, p50, p99, errorRate) in report.SlowestRoots(8))
            roots.AddRow(Markup.Escape(root), traces.ToString("N0"), p50.ToString("N1"), p99.ToString("N1"), errorRate.ToString("P1"));
        AnsiConsole.Write(roots);

        var edges = new Table().Title("Service graph").AddColumns("client", "server", "type", "calls", "failed calls");
        foreach (var (client, server, type, calls, errorRate) in report.Edges())
            edges.AddRow(Markup.Escape(client), Markup.Escape(server), type, calls.ToString("N0"), errorRate.ToString("P1"));
        AnsiConsole.Write(edges);

        AnsiConsole.MarkupLine($"per-trace features: [blue]{host.FileSink?.FeaturesPath}[/]");
        AnsiConsole.MarkupLine($"aggregates:         [blue]{host.FileSink?.AggregatesPath}[/]  (Elasticsearch _bulk format: curl -H 'Content-Type: application/x-ndjson' --data-binary @FILE $ES_URL/_bulk)");
        AnsiConsole.MarkupLine($"metrics were served at [blue]{host.MetricsServer?.BaseAddress}metrics[/] (point Prometheus at it with deploy/prometheus/prometheus.yml)");
        _ = outDir;
    }
}
