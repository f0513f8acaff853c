using Confluent.Kafka;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Testing;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Features.Tests.Repartition;

public class SpanDecodeProcessorTests
{
    private static TopologyTestDriver Driver(StringTable strings) => new(new Topology()
        .AddSource("in", "spans")
        .AddProcessor("decode", () => new SpanDecodeProcessor(SpanFormat.OtlpJson, strings), "in")
        .AddSink("out", "by-trace", TraceIdKeySerde.Instance, SpanGroupSerializer.Instance, "decode"));

    private static LogicalSpan Span(string traceId, string spanId) => new()
    {
        TraceId = traceId, SpanId = spanId, Service = "svc", Operation = "op", StartUnixNanos = 1_700_000_000_000_000_000, DurationNanos = 1000,
    };

    [Fact]
    public void A_batch_of_two_traces_becomes_one_record_per_trace_keyed_by_trace_id()
    {
        var strings = new StringTable();
        using var driver = Driver(strings);
        byte[] batch = SpanEncoders.Encode(SpanFormat.OtlpJson,
            [Span("0000000000000000000000000000000a", "0000000000000001"), Span("0000000000000000000000000000000b", "0000000000000002"),
             Span("0000000000000000000000000000000a", "0000000000000003")]).Single();
        driver.PipeInput("spans", null, batch, 1000);

        var output = driver.ReadOutput("by-trace");
        Assert.Equal(2, output.Count);
        var codec = new SpanCodec();
        var spansByTrace = output.ToDictionary(r => TraceIdKeySerde.Instance.Deserialize(r.Key, false, default), r =>
        {
            var decoded = new SpanBatch();
            Assert.True(codec.TryDecode(r.Value, strings, decoded, out _));
            return decoded.Count;
        });
        Assert.Equal(2, spansByTrace[new TraceId(0, 10)]);
        Assert.Equal(1, spansByTrace[new TraceId(0, 11)]);
        Assert.All(output, r => Assert.Equal(1000, r.TimestampMs));
    }

    [Theory]
    [InlineData("not json at all", "decode:Malformed")]
    [InlineData("{\"resourceSpans\": []}", "decode:NoSpans")]
    public void A_message_without_spans_goes_to_the_dead_letter_topic_with_its_reason(string value, string kind)
    {
        using var driver = Driver(new StringTable());
        driver.PipeInput("spans", null, System.Text.Encoding.UTF8.GetBytes(value), 1000, partition: 0);

        Assert.Empty(driver.ReadOutput("by-trace"));
        var dead = Assert.Single(driver.ReadOutput(driver.DeadLetterTopic));
        Assert.Equal(kind, dead.HeaderString(DeadLetterHeaders.ErrorKind));
        Assert.False(string.IsNullOrEmpty(dead.HeaderString(DeadLetterHeaders.ErrorReason)));
        Assert.Equal("spans", dead.HeaderString(DeadLetterHeaders.SourceTopic));
    }

    [Theory]
    [InlineData(SourceFraming.None, false)]
    [InlineData(SourceFraming.Auto, true)]
    public void A_schema_registry_framed_message_is_decoded_or_dead_lettered_by_source_framing(SourceFraming framing, bool decodes)
    {
        using var driver = new TopologyTestDriver(new Topology()
            .AddSource("in", "spans")
            .AddProcessor("decode", () => new SpanDecodeProcessor(SpanFormat.OtlpProto, new StringTable(), new DecoderOptions { Framing = framing }), "in")
            .AddSink("out", "by-trace", TraceIdKeySerde.Instance, SpanGroupSerializer.Instance, "decode"));
        byte[] payload = SpanEncoders.Encode(SpanFormat.OtlpProto, [Span("0000000000000000000000000000000a", "0000000000000001")]).Single();
        byte[] framed = [0, 0, 0, 0, 7, 0, .. payload]; // magic, schema id 7, message index [0]
        driver.PipeInput("spans", null, framed, 1000, partition: 0);

        if (decodes)
        {
            Assert.Single(driver.ReadOutput("by-trace"));
            Assert.Empty(driver.ReadOutput(driver.DeadLetterTopic));
            return;
        }
        Assert.Empty(driver.ReadOutput("by-trace"));
        var dead = Assert.Single(driver.ReadOutput(driver.DeadLetterTopic));
        Assert.Equal("decode:Malformed", dead.HeaderString(DeadLetterHeaders.ErrorKind));
        Assert.Contains("source.framing=none", dead.HeaderString(DeadLetterHeaders.ErrorReason), StringComparison.Ordinal);
    }

    [Fact]
    public void Names_a_full_table_could_not_intern_are_counted_on_the_decode_meter()
    {
        var strings = new StringTable(StringTable.MinEntries);
        using var driver = Driver(strings);
        long before = ObserveNamesOverflowed();
        // 13 free ids after the 3 reserved; 40 distinct operations and one service overflow the rest.
        var spans = new List<LogicalSpan>();
        for (int i = 0; i < 40; i++)
        {
            spans.Add(new LogicalSpan
            {
                TraceId = "0000000000000000000000000000000a", SpanId = (i + 1).ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
                Service = "svc", Operation = "op-" + i, StartUnixNanos = 1_700_000_000_000_000_000, DurationNanos = 1000,
            });
        }
        driver.PipeInput("spans", null, SpanEncoders.Encode(SpanFormat.OtlpJson, spans).Single(), 1000);

        Assert.True(strings.OverflowCount > 0);
        Assert.True(ObserveNamesOverflowed() - before >= strings.OverflowCount, "decode_names_overflowed must include this table's overflow");
    }

    [Fact]
    public void A_table_too_small_names_the_job_key_that_sizes_it()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new StringTable(StringTable.MinEntries - 1));
        Assert.Contains(StringTable.MaxEntriesKey, ex.Message, StringComparison.Ordinal);
    }

    private static long ObserveNamesOverflowed()
    {
        long total = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == "StreamAnalytics.Decode" && i.Name == "decode_names_overflowed") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => total += value);
        listener.Start();
        listener.RecordObservableInstruments();
        return total;
    }
}
