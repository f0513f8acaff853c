using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// The Meter <c>StreamAnalytics.Decode</c>: <c>messages_decoded</c> and <c>spans_decoded</c> (by format) and
/// <c>decode_errors</c> (by format and kind), exported as <c>trace_analytics_*_total</c>.
/// </summary>
/// <remarks>
/// Observable counters over one tally per format: a format's series, every error kind included, exist at 0 from the
/// moment the format is declared (the job declares its source format at start), so <c>rate(...) &gt; 0</c> sees the
/// first undecodable message. The per-message path only increments a field of the tally the processor holds.
/// </remarks>
public static class DecodeMetrics
{
    /// <summary>The Meter's name.</summary>
    public const string MeterName = "StreamAnalytics.Decode";

    // Kinds of DecodeErrorKind, then NoSpans (well-formed, no spans) as the last index.
    private static readonly string[] KindNames = [.. Enum.GetNames<DecodeErrorKind>(), SpanDecodeProcessor.NoSpansKind];
    private static readonly ConcurrentDictionary<SpanFormat, Tally> Tallies = new();
    // Every name table a decode processor uses (usually one per job), so the bound it enforces is on /metrics.
    // Weak: a table lives as long as its topology, not as long as the meter.
    private static readonly ConditionalWeakTable<StringTable, object?> Tables = new();
    private static readonly Meter Meter = CreateMeter();

    /// <summary>Exports <paramref name="strings"/>' overflow in <c>decode_names_overflowed</c> (summed over tables).</summary>
    public static void Track(StringTable strings) => Tables.TryAdd(strings, null);

    internal static int NoSpansIndex => KindNames.Length - 1;

    /// <summary>The tally of <paramref name="format"/>, created (its series at 0) on first use.</summary>
    public static void Declare(SpanFormat format) => For(format);

    internal static Tally For(SpanFormat format) => Tallies.GetOrAdd(format, static f => new Tally(f.ToConfigName()));

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName);
        meter.CreateObservableCounter("decode_errors", ObserveErrors, null, "Messages that could not be decoded (dead-lettered), by format and kind.");
        meter.CreateObservableCounter("spans_decoded", () => Observe(static t => Interlocked.Read(ref t.Spans)), null, "Spans decoded from source messages, by format.");
        meter.CreateObservableCounter("messages_decoded", () => Observe(static t => Interlocked.Read(ref t.Messages)), null, "Source messages decoded, by format.");
        meter.CreateObservableCounter("decode_names_overflowed", ObserveNamesOverflowed, "{name}",
            "Span names not interned because the name table was full (decode.max.interned.names); they read as __overflow__.");
        return meter;
    }

    private static long ObserveNamesOverflowed()
    {
        long total = 0;
        foreach (var (table, _) in Tables) total += table.OverflowCount;
        return total;
    }

    private static List<Measurement<long>> Observe(Func<Tally, long> read)
    {
        var result = new List<Measurement<long>>();
        foreach (var tally in Tallies.Values) result.Add(new Measurement<long>(read(tally), tally.FormatTag));
        return result;
    }

    private static List<Measurement<long>> ObserveErrors()
    {
        var result = new List<Measurement<long>>();
        foreach (var tally in Tallies.Values)
            for (int k = 0; k < KindNames.Length; k++)
                result.Add(new Measurement<long>(Interlocked.Read(ref tally.Errors[k]), tally.FormatTag, new("kind", KindNames[k])));
        return result;
    }

    /// <summary>The counts of one format, shared by every decode processor of that format.</summary>
    internal sealed class Tally(string format)
    {
        public readonly KeyValuePair<string, object?> FormatTag = new("format", format);
        public readonly long[] Errors = new long[KindNames.Length];
        public long Messages;
        public long Spans;

        public void Error(DecodeErrorKind kind) => Interlocked.Increment(ref Errors[(int)kind]);

        public void NoSpans() => Interlocked.Increment(ref Errors[NoSpansIndex]);

        public void Decoded(int spans)
        {
            Interlocked.Increment(ref Messages);
            Interlocked.Add(ref Spans, spans);
        }
    }
}
