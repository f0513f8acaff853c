using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace StreamAnalytics.Cli;

/// <summary>
/// Text logs for people: one line per entry (<c>12:00:01.234 info: Category => app=x message</c>), except that a
/// message with line breaks (the topology, the effective configuration) keeps them, its further lines indented; and a
/// stack trace only at error and above. A warning is something expected that the operator may act on (a rebalance
/// retry, a sink that is down): its exception's message is enough; an error is a bug or worse, where the trace helps.
/// </summary>
internal sealed class TextLogFormatter : ConsoleFormatter
{
    public const string FormatterName = "streamanalytics-text";
    private const string Indent = "    ";

    public TextLogFormatter() : base(FormatterName) { }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        textWriter.Write(DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        scopeProvider?.ForEachScope(static (scope, writer) => { writer.Write(" => "); writer.Write(scope); }, textWriter);
        textWriter.Write(' ');
        WriteIndented(textWriter, message.TrimEnd('\n', '\r'));
        if (logEntry.Exception is { } e)
        {
            if (logEntry.LogLevel >= LogLevel.Error)
            {
                textWriter.Write('\n');
                textWriter.Write(Indent);
                WriteIndented(textWriter, e.ToString());
            }
            else if (!message.Contains(e.Message, StringComparison.Ordinal))
            {
                textWriter.Write(" (");
                textWriter.Write(e.GetType().Name);
                textWriter.Write(": ");
                WriteIndented(textWriter, e.Message);
                textWriter.Write(')');
            }
        }
        textWriter.Write('\n');
    }

    private static void WriteIndented(TextWriter writer, string text)
    {
        int start = 0;
        while (true)
        {
            int nl = text.IndexOf('\n', start);
            if (nl < 0)
            {
                writer.Write(text.AsSpan(start));
                return;
            }
            writer.Write(text.AsSpan(start, nl - start).TrimEnd('\r'));
            writer.Write('\n');
            writer.Write(Indent);
            start = nl + 1;
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}

/// <summary>Registers <see cref="TextLogFormatter"/> (it has no options of its own).</summary>
internal static class TextLogFormatterExtensions
{
    public static ILoggingBuilder AddTextLogs(this ILoggingBuilder builder)
    {
        builder.AddConsole(o => o.FormatterName = TextLogFormatter.FormatterName);
        builder.AddConsoleFormatter<TextLogFormatter, ConsoleFormatterOptions>();
        return builder;
    }
}
