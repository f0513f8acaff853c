using System.CommandLine;
using StreamAnalytics.Cli.Commands;

namespace StreamAnalytics.Cli.Tests.Commands;

public class DurationOptionTests
{
    [Theory]
    [InlineData("15", 15_000)]
    [InlineData("15s", 15_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("24h", 86_400_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("00:02:00", 120_000)]
    [InlineData("1.00:00:00", 86_400_000)]
    [InlineData(" 10S ", 10_000)]
    public void Accepts_the_forms_people_type(string text, long expectedMs)
    {
        Assert.True(DurationOption.TryParse(text, out TimeSpan value, out string? error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("15x")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("0")]
    [InlineData("0s")]
    [InlineData("5s10")]
    [InlineData("1:xx")]
    [InlineData("99999999999999999d")]
    public void Rejects_nonsense_with_a_reason(string text)
    {
        Assert.False(DurationOption.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_bare_number_on_the_command_line_is_seconds_not_days()
    {
        var option = DurationOption.Create("--duration", "how long");
        var command = new RootCommand { option };
        var parsed = command.Parse(["--duration", "15"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal(TimeSpan.FromSeconds(15), parsed.GetValue(option));
        Assert.Null(command.Parse([]).GetValue(option));
        Assert.NotEmpty(command.Parse(["--duration", "soon"]).Errors);
    }

    [Theory]
    [InlineData(30_000, "30s")]
    [InlineData(500, "500ms")]
    [InlineData(90_000, "1m30s")]
    [InlineData(3_600_000, "1h")]
    public void Formats_in_the_short_form(long ms, string expected)
    {
        Assert.Equal(expected, DurationOption.Format(TimeSpan.FromMilliseconds(ms)));
        Assert.True(DurationOption.TryParse(expected, out TimeSpan back, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), back);
    }
}
