using Microsoft.Extensions.Logging;
using StreamAnalytics.Cli.Job;

namespace StreamAnalytics.Cli;

/// <summary>Console logging for long-running commands: plain text, or one JSON object per line (<c>log.format=json</c>) for log shippers.</summary>
internal static class Logging
{
    public static ILoggerFactory Create(TraceJobSettings settings) => Create(settings.JsonLogs, ParseLevel(settings.LogLevel), settings.ApplicationId);

    public static ILoggerFactory Create(bool json, LogLevel level, string applicationId) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(level);
        // librdkafka's chatter goes through Confluent.Kafka handlers at Debug; keep the console readable.
        if (json)
        {
            builder.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            // Multi-line messages stay readable and warnings carry no stack trace (TextLogFormatter).
            builder.AddTextLogs();
        }
    }).WithApplicationScope(applicationId);

    private static ILoggerFactory WithApplicationScope(this ILoggerFactory factory, string applicationId) => new ScopedLoggerFactory(factory, applicationId);

    public static LogLevel ParseLevel(string level) => level switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };

    /// <summary>Adds <c>application.id</c> as a scope to every log line, so logs of several jobs can be told apart.</summary>
    private sealed class ScopedLoggerFactory(ILoggerFactory inner, string applicationId) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new ScopedLogger(inner.CreateLogger(categoryName), applicationId);
        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);
        public void Dispose() => inner.Dispose();
    }

    private sealed class ScopedLogger(ILogger inner, string applicationId) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            // A message-template scope renders as "app=<id>" in text logs and as an ApplicationId property in JSON logs.
            using (inner.BeginScope("app={ApplicationId}", applicationId)) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
