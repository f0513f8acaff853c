using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Formats;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Generate;

namespace StreamAnalytics.Bench.Book;

/// <summary>
/// The book job's input: generated online-shop traces as Jaeger collectors write them to Kafka (<c>jaeger_proto</c>,
/// one <c>jaeger.api_v2.Span</c> per message, keyed by the 32-hex trace id), with the span counts per
/// <c>service::operation</c> of every trace, against which both engines' outputs are checked.
/// </summary>
internal sealed class BookDataSet
{
    private BookDataSet(byte[][] keys, byte[][] values, Dictionary<string, SortedDictionary<string, int>> expected)
    {
        Keys = keys;
        Values = values;
        Expected = expected;
        long bytes = 0;
        foreach (byte[] v in values) bytes += v.Length;
        Bytes = bytes;
    }

    public byte[][] Keys { get; }

    public byte[][] Values { get; }

    /// <summary>Per trace id (32 hex), spans per <c>service::operation</c>.</summary>
    public Dictionary<string, SortedDictionary<string, int>> Expected { get; }

    public long Spans => Values.Length;

    public long Traces => Expected.Count;

    public long Bytes { get; }

    /// <summary>Whole traces until at least <paramref name="minSpans"/> spans, in the generator's order.</summary>
    public static BookDataSet Generate(long minSpans, int seed)
    {
        var generator = new TraceGenerator(GenerateCommand.WithoutLongTraces(SimulatedSystem.OnlineShop), seed, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        var keys = new List<byte[]>();
        var values = new List<byte[]>();
        var expected = new Dictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        while (generator.SpansGenerated < minSpans)
        {
            foreach (var span in generator.NextTrace())
            {
                // The key as Jaeger's Kafka writer sets it: the trace id in hex (the generator's ids are 32 hex already).
                string traceId = span.TraceId.ToLowerInvariant().PadLeft(32, '0');
                keys.Add(System.Text.Encoding.ASCII.GetBytes(traceId));
                values.Add(SpanEncoders.Encode(SpanFormat.JaegerProto, [span], 1)[0]);
                if (!expected.TryGetValue(traceId, out var counts)) expected[traceId] = counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
                string op = span.Service + "::" + span.Operation;
                counts[op] = counts.GetValueOrDefault(op) + 1;
            }
        }
        return new BookDataSet(keys.ToArray(), values.ToArray(), expected);
    }
}
