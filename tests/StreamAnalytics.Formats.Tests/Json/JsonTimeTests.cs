using System.Text;
using FsCheck;
using FsCheck.Fluent;
using StreamAnalytics.Formats.Json;
using Encoders = StreamAnalytics.Tools.Encoders;

namespace StreamAnalytics.Formats.Tests.Json;

public class JsonTimeTests
{
    [Theory]
    [InlineData("1970-01-01T00:00:00Z", 0L)]
    [InlineData("2018-03-20T17:07:40.523543Z", 1521565660523543000L)]
    [InlineData("2018-03-20T18:07:40.523543+01:00", 1521565660523543000L)]
    [InlineData("2018-03-20T16:07:40.5-00:30", 1521565660500000000L - 1800_000_000_000L)] // 16:37:40.5 UTC
    [InlineData("2024-02-29t00:00:00.000000001z", 1709164800000000001L)]
    [InlineData("1969-12-31T23:59:59.999999999Z", -1L)]
    public void Rfc3339_timestamps_parse_to_unix_nanoseconds(string text, long expected)
    {
        Assert.True(JsonTime.TryParseTimestamp(Encoding.UTF8.GetBytes(text), out long nanos));
        Assert.Equal(expected, nanos);
    }

    [Theory]
    [InlineData("2018-03-20 17:07:40Z")]
    [InlineData("2018-02-30T00:00:00Z")]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2018-03-20T17:07:40")]
    [InlineData("2018-03-20T17:07:40.Z")]
    [InlineData("2018-03-20T17:07:40.1234567891Z")]
    [InlineData("2018-03-20T24:00:00Z")]
    [InlineData("3000-01-01T00:00:00Z")]
    public void Malformed_or_out_of_range_timestamps_are_rejected(string text)
    {
        Assert.False(JsonTime.TryParseTimestamp(Encoding.UTF8.GetBytes(text), out _));
    }

    [Theory]
    [InlineData("0.000100s", 100_000L)]
    [InlineData("100000ns", 100_000L)]
    [InlineData("100us", 100_000L)]
    [InlineData("100\u00b5s", 100_000L)]
    [InlineData("1.5ms", 1_500_000L)]
    [InlineData("3s", 3_000_000_000L)]
    [InlineData("-0.5s", -500_000_000L)]
    [InlineData("0s", 0L)]
    public void Durations_in_every_accepted_unit_parse_to_nanoseconds(string text, long expected)
    {
        Assert.True(JsonTime.TryParseDuration(Encoding.UTF8.GetBytes(text), out long nanos));
        Assert.Equal(expected, nanos);
    }

    [Theory]
    [InlineData("100")]
    [InlineData("s")]
    [InlineData("1.s")]
    [InlineData("1h")]
    [InlineData("99999999999999999999s")]
    [InlineData("0.0000000001s")]
    public void Malformed_durations_are_rejected(string text)
    {
        Assert.False(JsonTime.TryParseDuration(Encoding.UTF8.GetBytes(text), out _));
    }

    [Fact]
    public void Timestamps_and_durations_written_by_the_jaeger_encoder_parse_back_exactly()
    {
        Check.QuickThrowOnFailure(Prop.ForAll<long>(raw =>
        {
            long nanos = raw % 4_000_000_000_000_000_000L; // within the supported years
            string stamp = Encoders.JaegerEncoder.FormatTimestamp(nanos);
            string duration = Encoders.JaegerEncoder.FormatDuration(nanos);
            return JsonTime.TryParseTimestamp(Encoding.UTF8.GetBytes(stamp), out long t) && t == nanos
                   && JsonTime.TryParseDuration(Encoding.UTF8.GetBytes(duration), out long d) && d == nanos;
        }));
    }
}
