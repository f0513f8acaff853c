namespace StreamAnalytics.Formats.Json;

/// <summary>
/// Allocation-free parsers for the time forms of protobuf-JSON as Jaeger writes them: RFC 3339 timestamps
/// (<c>"2022-08-23T17:00:01.123456789Z"</c>, any offset) and durations (<c>"0.000100s"</c>; also <c>"100000ns"</c>,
/// <c>"100us"</c>/<c>"100µs"</c> and <c>"100ms"</c>, which hand-written and Go-formatted producers emit).
/// </summary>
internal static class JsonTime
{
    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>Parses an RFC 3339 timestamp into nanoseconds since the Unix epoch (years 1678–2261).</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> text, out long unixNanos)
    {
        unixNanos = 0;
        // yyyy-MM-ddTHH:mm:ss is 19 bytes; then an optional fraction and a zone (Z or ±HH:MM).
        if (text.Length < 20) return false;
        if (!Digits(text[..4], out int year) || text[4] != '-' || !Digits(text.Slice(5, 2), out int month) || text[7] != '-'
            || !Digits(text.Slice(8, 2), out int day) || (text[10] | 0x20) != 't' || !Digits(text.Slice(11, 2), out int hour)
            || text[13] != ':' || !Digits(text.Slice(14, 2), out int minute) || text[16] != ':' || !Digits(text.Slice(17, 2), out int second))
            return false;
        if (month is < 1 or > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;
        if (year is < 1678 or > 2261) return false; // the range of a signed 64-bit nanosecond count

        int pos = 19;
        long fraction = 0;
        if (text[pos] == '.')
        {
            pos++;
            int digits = 0;
            while (pos < text.Length && text[pos] is >= (byte)'0' and <= (byte)'9')
            {
                if (digits == 9) return false; // finer than a nanosecond
                fraction = fraction * 10 + (text[pos] - '0');
                digits++;
                pos++;
            }
            if (digits == 0) return false;
            for (int i = digits; i < 9; i++) fraction *= 10;
        }

        long offsetSeconds;
        ReadOnlySpan<byte> zone = text[pos..];
        if (zone.Length == 1 && (zone[0] | 0x20) == 'z')
        {
            offsetSeconds = 0;
        }
        else if (zone.Length == 6 && zone[0] is (byte)'+' or (byte)'-' && zone[3] == ':'
                 && Digits(zone.Slice(1, 2), out int offsetHours) && Digits(zone.Slice(4, 2), out int offsetMinutes)
                 && offsetHours <= 23 && offsetMinutes <= 59)
        {
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (zone[0] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        long seconds = DaysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds;
        unixNanos = seconds * NanosPerSecond + fraction;
        return true;
    }

    /// <summary>Parses a duration with one unit (<c>s</c>, <c>ms</c>, <c>us</c>, <c>µs</c>, <c>ns</c>) into nanoseconds.</summary>
    public static bool TryParseDuration(ReadOnlySpan<byte> text, out long nanos)
    {
        nanos = 0;
        bool negative = !text.IsEmpty && text[0] == '-';
        if (negative) text = text[1..];

        long unit;
        if (text.EndsWith("ns"u8)) { unit = 1; text = text[..^2]; }
        else if (text.EndsWith("us"u8)) { unit = 1_000; text = text[..^2]; }
        else if (text.EndsWith("\u00b5s"u8)) { unit = 1_000; text = text[..^3]; }
        else if (text.EndsWith("ms"u8)) { unit = 1_000_000; text = text[..^2]; }
        else if (text.EndsWith("s"u8)) { unit = NanosPerSecond; text = text[..^1]; }
        else return false;

        int dot = text.IndexOf((byte)'.');
        ReadOnlySpan<byte> whole = dot < 0 ? text : text[..dot];
        ReadOnlySpan<byte> fraction = dot < 0 ? default : text[(dot + 1)..];
        if (whole.IsEmpty || whole.Length > 18 || (dot >= 0 && fraction.IsEmpty) || fraction.Length > 9) return false;
        if (!DigitsLong(whole, out long integer) || (!fraction.IsEmpty && !DigitsLong(fraction, out _))) return false;
        if (integer > long.MaxValue / unit) return false;

        long total = integer * unit;
        // The fraction scaled to the unit; digits below a nanosecond are dropped, as protobuf's own parser rejects them.
        long scale = unit;
        foreach (byte b in fraction)
        {
            scale /= 10;
            total += (b - '0') * scale;
        }
        nanos = negative ? -total : total;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> text, out int value)
    {
        bool ok = DigitsLong(text, out long wide);
        value = (int)wide;
        return ok;
    }

    private static bool DigitsLong(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty) return false;
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    private static int DaysInMonth(int year, int month) => month switch
    {
        2 => DateTime.IsLeapYear(year) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    /// <summary>Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).</summary>
    private static long DaysFromCivil(int year, int month, int day)
    {
        long y = month <= 2 ? year - 1 : year;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yearOfEra = y - era * 400;
        long dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }
}
