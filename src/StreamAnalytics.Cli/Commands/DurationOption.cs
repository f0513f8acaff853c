using System.CommandLine;
using System.Globalization;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// Duration options as people type them: <c>15</c> (seconds), <c>15s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>, <c>1d</c>,
/// combinations such as <c>1h30m</c>, and the <c>hh:mm:ss</c> form (<c>00:02:00</c>).
/// </summary>
/// <remarks>
/// System.CommandLine parses a <see cref="TimeSpan"/> with <see cref="TimeSpan.Parse(string)"/>, where a bare number is
/// days: <c>demo --duration 15</c> ran for 15 days. Every duration option goes through <see cref="Create"/> instead.
/// </remarks>
internal static class DurationOption
{
    /// <summary>The forms accepted, for help texts and error messages.</summary>
    public const string Forms = "15 (seconds), 15s, 500ms, 2m, 1h, 1h30m or 00:02:00";

    /// <summary>An optional duration: null when not given. <paramref name="defaultText"/> is only shown in the help.</summary>
    public static Option<TimeSpan?> Create(string name, string description, string? defaultText = null, params string[] aliases)
    {
        string help = defaultText is null ? description : $"{description} [default: {defaultText}]";
        return new Option<TimeSpan?>(name, aliases)
        {
            Description = help,
            HelpName = "duration",
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
                if (TryParse(text, out TimeSpan value, out string? error)) return value;
                result.AddError($"{name}: {error}");
                return null;
            },
        };
    }

    /// <summary>Parses one duration; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string? error)
    {
        value = default;
        error = null;
        string s = (text ?? "").Trim();
        if (s.Length == 0) { error = $"empty duration; use {Forms}"; return false; }

        if (s.Contains(':'))
        {
            if (!TimeSpan.TryParseExact(s, ["c", @"h\:mm\:ss", @"h\:mm\:ss\.FFFFFFF", @"d\.hh\:mm\:ss"], CultureInfo.InvariantCulture, out value))
            {
                error = $"'{s}' is not a duration; use {Forms}";
                return false;
            }
        }
        else if (!TryParseUnits(s, out value))
        {
            error = $"'{s}' is not a duration; use {Forms}";
            return false;
        }

        if (value <= TimeSpan.Zero)
        {
            error = $"'{s}' must be longer than zero";
            return false;
        }
        return true;
    }

    // A sequence of <number><unit> parts (1h30m, 2.5s); a lone number is seconds.
    private static bool TryParseUnits(string s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        int i = 0;
        bool any = false;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start) return false;
            if (!double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number)) return false;
            int unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
            string unit = s[unitStart..i].ToLowerInvariant();
            if (unit.Length == 0 && (any || i < s.Length)) return false; // a bare number only on its own
            double ms = unit switch
            {
                "" or "s" or "sec" => number * 1000,
                "ms" => number,
                "m" or "min" => number * 60_000,
                "h" => number * 3_600_000,
                "d" => number * 86_400_000,
                _ => double.NaN,
            };
            if (double.IsNaN(ms) || ms > TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
            value += TimeSpan.FromMilliseconds(ms);
            any = true;
        }
        return any;
    }

    /// <summary>The short form of a duration, as help texts and logs write it (<c>30s</c>, <c>1m30s</c>, <c>500ms</c>).</summary>
    public static string Format(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(1)) return $"{(long)d.TotalMilliseconds}ms";
        var parts = new System.Text.StringBuilder();
        if (d.Days > 0) parts.Append(d.Days).Append('d');
        if (d.Hours > 0) parts.Append(d.Hours).Append('h');
        if (d.Minutes > 0) parts.Append(d.Minutes).Append('m');
        if (d.Seconds > 0 || d.Milliseconds > 0)
            parts.Append(d.Milliseconds > 0 ? (d.Seconds + d.Milliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture) : d.Seconds.ToString(CultureInfo.InvariantCulture)).Append('s');
        return parts.ToString();
    }
}
