using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Streams;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// <c>run</c>: the long-running consumer job. Configuration comes from the job file, then <c>STREAMANALYTICS_*</c>
/// environment variables, then <c>--set</c>; it is validated completely before anything connects to Kafka.
/// Exit codes: 0 after a graceful shutdown (SIGINT/SIGTERM), 1 when the job failed, 2 for invalid configuration.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var job = new Option<FileInfo?>("--job", "-j") { Description = "Job file (see jobs/README.md)." };
        var sets = new Option<string[]>("--set", "-s") { Description = "Override a key: --set assembly.gap.ms=5000 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var duration = DurationOption.Create("--duration", $"Stop gracefully after this long ({DurationOption.Forms}); default: run until SIGINT/SIGTERM.");
        var checkOnly = new Option<bool>("--check") { Description = "Validate the configuration, print every key's effective value and its source (secrets masked, defaults included) and exit." };
        var connect = new Option<bool>("--connect") { Description = "With --check: also check that the brokers, the source topics and Elasticsearch answer (exit 1 if not)." };

        var command = new Command("run", """
            Run a trace job as a long-running Kafka consumer: assemble traces, extract features, aggregate, write sinks.
            Configuration: job file < environment (STREAMANALYTICS_<KEY>, dots as underscores) < --set.

            Examples:
              streamanalytics run --job jobs/trace-features.json
              streamanalytics run --job jobs/service-graph.json --set kafka.bootstrap.servers=broker:9092 --set metrics.bind=0.0.0.0:9464
              STREAMANALYTICS_ELASTICSEARCH_API_KEY=... streamanalytics run --job jobs/span-count.json
              streamanalytics run --job jobs/trace-features.json --check
              streamanalytics run --job jobs/trace-features.json --check --connect
            """)
        {
            job, sets, duration, checkOnly, connect,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TraceJobSettings settings;
            JobConfiguration config;
            try
            {
                config = JobConfiguration.Load(parse.GetValue(job)?.FullName, parse.GetValue(sets) ?? [], EnvironmentVariables());
                settings = TraceJobSettings.From(config);
            }
            catch (ConfigurationException e)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
                return 2;
            }
            if (parse.GetValue(checkOnly))
            {
                Console.Write(RunCheck.Effective(config));
                Console.WriteLine("configuration is valid");
                if (!parse.GetValue(connect)) return 0;
                var problems = await RunCheck.ConnectAsync(settings, Console.Out, KafkaPreflight.DefaultTimeout, cancellationToken);
                foreach (string problem in problems) await Console.Error.WriteLineAsync("error: " + problem);
                if (problems.Count == 0) Console.WriteLine("every service answers");
                return problems.Count == 0 ? 0 : 1;
            }
            using var loggerFactory = Logging.Create(settings);
            return await RunAsync(settings, config, loggerFactory, parse.GetValue(duration), cancellationToken);
        });
        return command;
    }

    internal static IDictionary<string, string?> EnvironmentVariables()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            result[(string)e.Key] = e.Value as string;
        return result;
    }

    private static async Task<int> RunAsync(TraceJobSettings settings, JobConfiguration config, ILoggerFactory loggerFactory, TimeSpan? duration, CancellationToken cancellationToken)
    {
        var log = loggerFactory.CreateLogger("StreamAnalytics.Run");
        log.LogInformation("effective configuration:\n{Configuration}", config.Describe());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bool signalled = false;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; signalled = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; signalled = true; stop.Cancel(); });
        if (duration is { } d) stop.CancelAfter(d);

        await using var host = new TraceJobHost(settings, loggerFactory);
        var failed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await host.StartAsync(stop.Token);
            host.Streams!.StateChanged += (_, now) =>
            {
                if (now == KafkaStreamsState.Error) failed.TrySetResult(host.Streams.GetStatus().LastError);
            };
            var stopped = Task.Delay(Timeout.InfiniteTimeSpan, stop.Token).ContinueWith(_ => (Exception?)null, TaskScheduler.Default);
            var first = await Task.WhenAny(stopped, failed.Task);
            if (first == failed.Task)
            {
                log.LogCritical(failed.Task.Result, "the job failed");
                await host.StopAsync();
                return 1;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Interrupted (or --duration over) while starting: every start-up wait takes the token, so this is prompt.
            if (signalled)
            {
                log.LogWarning("interrupted during start-up; stopped before the job ran");
                return 130;
            }
            log.LogError("--duration ran out during start-up; stopped before the job ran");
            return 1;
        }
        catch (JobStartException e)
        {
            // Something the operator fixes (the message says how): one line, no stack trace.
            log.LogCritical("the job could not start: {Message}", e.Message);
            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogCritical(e, "the job could not start: {Message}", e.Message);
            return 1;
        }
        bool clean = await host.StopAsync();
        log.LogInformation("stopped {Outcome}", clean ? "cleanly" : "with threads still closing");
        return 0;
    }
}
