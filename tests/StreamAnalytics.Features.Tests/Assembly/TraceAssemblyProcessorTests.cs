using System.Buffers;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Testing;
using static StreamAnalytics.Features.Tests.Assembly.AssemblyTestKit;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Tests.Assembly;

public sealed class TraceAssemblyProcessorTests
{
    private readonly StringTable _strings = new();
    private readonly FakeTimeProvider _time = new(TopologyTestDriver.DefaultWallClockStart);

    [Fact]
    public void Init_schedules_a_wall_clock_and_a_stream_time_punctuator_at_a_quarter_of_the_gap_capped_at_one_second()
    {
        var (_, ctx) = Started(Config(c => new AssemblyConfig { GapMs = 2_000 }));

        Assert.Equal(2, ctx.Schedules.Count);
        Assert.Contains(ctx.Schedules, s => s.Type == PunctuationType.WallClockTime && s.Interval == TimeSpan.FromMilliseconds(500));
        Assert.Contains(ctx.Schedules, s => s.Type == PunctuationType.StreamTime && s.Interval == TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromSeconds(1), Config().PunctuationInterval);
    }

    [Fact]
    public void A_quiet_trace_is_forwarded_by_the_wall_clock_punctuator_keyed_by_trace_id_at_its_end_time()
    {
        var (processor, ctx) = Started(Config());
        var spans = new[]
        {
            Span(_strings, Tid(1), 1, startMs: 1_000),
            Span(_strings, Tid(1), 2, parent: 1, startMs: 1_200),
        };
        ctx.CurrentStreamTimeMs = 1_300;
        processor.Process(new Record<TraceId, SpanGroup>(Tid(1), SpanGroup.FromEncoded(Encode(spans)), 1_300));
        Assert.Empty(ctx.Forwarded);

        _time.Advance(TimeSpan.FromMilliseconds(1_999));
        ctx.Punctuate(PunctuationType.WallClockTime);
        Assert.Empty(ctx.Forwarded);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        ctx.Punctuate(PunctuationType.WallClockTime);

        var record = Assert.Single(ctx.Forwarded);
        Assert.Equal(Tid(1), record.Key);
        Assert.Equal(CompletionReason.Root, record.Value.Reason);
        Assert.Equal(2, record.Value.Count);
        Assert.Equal(1_205, record.TimestampMs); // latest span end: 1 200 ms + 5 ms
    }

    [Fact]
    public void A_record_holding_several_traces_is_assembled_per_trace()
    {
        var (processor, ctx) = Started(Config());
        var spans = new[] { Child(_strings, Tid(1), 1), Child(_strings, Tid(2), 1), Child(_strings, Tid(1), 2) };
        ctx.CurrentStreamTimeMs = 0;
        processor.Process(new Record<TraceId, SpanGroup>(Tid(1), SpanGroup.FromEncoded(Encode(spans)), 0));

        ctx.CurrentStreamTimeMs = 10_000;
        ctx.Punctuate(PunctuationType.StreamTime);

        Assert.Equal(2, ctx.Forwarded.Count);
        Assert.Equal(2, ctx.Forwarded.Single(r => r.Key == Tid(1)).Value.Count);
    }

    [Fact]
    public void Lent_spans_are_assembled_without_a_codec_round_trip_and_keep_their_names()
    {
        var (processor, ctx) = Started(Config());
        var spans = new[] { Span(_strings, Tid(1), 1, startMs: 1_000), Span(_strings, Tid(1), 2, parent: 1, startMs: 1_200) };
        processor.Process(new Record<TraceId, SpanGroup>(Tid(1), SpanGroup.Lend(spans, _strings), 1_300));
        // The lender reuses its buffer for the next group: the store must have copied the spans.
        spans[0] = default;
        spans[1] = default;

        processor.CompleteAll();

        var trace = Assert.Single(ctx.Forwarded).Value;
        Assert.Equal(2, trace.Count);
        Assert.Equal([1UL, 2UL], trace.Spans.ToArray().Select(s => s.SpanId.Value).Order());
        Assert.All(trace.Spans.ToArray(), s => Assert.Equal(Span(_strings, Tid(1), 1).Service, s.Service));
    }

    [Fact]
    public void Lent_spans_of_another_string_table_are_reinterned_into_the_stores_table()
    {
        var (processor, ctx) = Started(Config());
        var other = new StringTable();
        other.Intern("padding-so-the-ids-differ");
        other.Intern("more-padding");
        var spans = new[] { Span(other, Tid(1), 1), Span(other, Tid(1), 2, parent: 1) };

        processor.Process(new Record<TraceId, SpanGroup>(Tid(1), SpanGroup.Lend(spans, other), 0));
        processor.CompleteAll();

        var trace = Assert.Single(ctx.Forwarded).Value;
        foreach (var s in trace.Spans.ToArray())
        {
            Assert.Equal(other[spans[0].Service], _strings[s.Service]);
            Assert.Equal(other[spans[0].Operation], _strings[s.Operation]);
        }
    }

    [Fact]
    public void An_undecodable_record_is_counted_and_skipped()
    {
        var (processor, ctx) = Started(Config());
        var store = ctx.GetStateStore<OpenTraceStore>(OpenTraceStore.DefaultName);

        processor.Process(new Record<TraceId, SpanGroup>(Tid(1), SpanGroup.FromEncoded(new byte[] { 1, 0xFF, 0xFF }), 0));

        Assert.Equal(1, store.Metrics.DecodeErrors);
        Assert.Equal(0, store.OpenTraceCount);
        Assert.Empty(ctx.Forwarded);
    }

    [Fact]
    public void Complete_all_forwards_open_traces_as_end_of_input()
    {
        var (processor, ctx) = Started(Config());
        processor.Process(new Record<TraceId, SpanGroup>(Tid(1), SpanGroup.FromEncoded(Encode([Child(_strings, Tid(1), 1)])), 0));

        processor.CompleteAll();

        Assert.Equal(CompletionReason.EndOfInput, Assert.Single(ctx.Forwarded).Value.Reason);
    }

    private (TraceAssemblyProcessor Processor, FakeProcessorContext<TraceId, Trace> Context) Started(AssemblyConfig config)
    {
        var store = Store(config, _strings, _time);
        var storeContext = new FakeStateStoreContext();
        store.Init(storeContext);
        var ctx = new FakeProcessorContext<TraceId, Trace>(_time, store);
        var processor = new TraceAssemblyProcessor();
        processor.Init(ctx);
        return (processor, ctx);
    }

    private byte[] Encode(ModelSpan[] spans)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new SpanCodec().Encode(spans, _strings, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
