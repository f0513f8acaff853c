using Microsoft.Extensions.Logging;

namespace StreamAnalytics.Sinks.Tests;

/// <summary>Keeps every formatted log message (and exception text), so tests can check what would be logged.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly object _lock = new();
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get { lock (_lock) return [.. _messages]; }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string text = formatter(state, exception) + (exception is null ? "" : " " + exception);
        // Structured values too: a sink could pass a secret as an argument that a JSON logger would print.
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
            text += " " + string.Join(" ", values.Select(v => $"{v.Key}={v.Value}"));
        lock (_lock) _messages.Add(text);
    }
}
