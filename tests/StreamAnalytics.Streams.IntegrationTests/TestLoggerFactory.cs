using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>Collects runtime log lines in memory (thread-safe); a test writes them to its output when it fails or on demand.</summary>
public sealed class TestLoggerFactory : ILoggerFactory
{
    private readonly LogLevel _minimum;

    public TestLoggerFactory(LogLevel minimum = LogLevel.Information) => _minimum = minimum;

    public ConcurrentQueue<string> Lines { get; } = new();

    public void Dump(ITestOutputHelper output)
    {
        foreach (var line in Lines)
        {
            try { output.WriteLine(line); } catch (InvalidOperationException) { /* test already finished */ }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(TestLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            owner.Lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
        }
    }
}
