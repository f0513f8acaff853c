using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StreamAnalytics.Cli.Tests;

public class TextLogFormatterTests
{
    private static string Format(LogLevel level, string message, Exception? exception = null)
    {
        var formatter = new TextLogFormatter();
        using var writer = new StringWriter();
        var entry = new LogEntry<string>(level, "StreamAnalytics.Test", default, message, exception, static (m, _) => m);
        formatter.Write(entry, null, writer);
        return writer.ToString();
    }

    private static Exception Thrown()
    {
        try { throw new InvalidOperationException("rebalance in progress"); }
        catch (InvalidOperationException e) { return e; }
    }

    [Fact]
    public void A_multi_line_message_keeps_its_lines_indented_under_one_header()
    {
        string text = Format(LogLevel.Information, "topology:\nSub-topology: 0\n  Source: spans");

        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} info: StreamAnalytics.Test topology:\n    Sub-topology: 0\n      Source: spans\n$", text);
    }

    [Fact]
    public void A_warning_names_its_exception_without_a_stack_trace_and_an_error_keeps_it()
    {
        string warning = Format(LogLevel.Warning, "commit failed; will retry", Thrown());
        string error = Format(LogLevel.Error, "the job failed", Thrown());

        Assert.Contains("commit failed; will retry (InvalidOperationException: rebalance in progress)", warning);
        Assert.DoesNotContain(" at ", warning);
        Assert.Equal(1, warning.Count(c => c == '\n'));
        Assert.Contains("rebalance in progress", error);
        Assert.Contains(" at StreamAnalytics.Cli.Tests.TextLogFormatterTests.Thrown", error);
    }
}
