using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Tests.Repartition;

public sealed class TraceSplitterTests
{
    private static ModelSpan S(ulong trace, ulong span) => new() { TraceId = new TraceId(0, trace), SpanId = new SpanId(span) };

    [Fact]
    public void Interleaved_traces_are_grouped_in_order_of_first_appearance_keeping_span_order()
    {
        var batch = new SpanBatch();
        foreach (var s in new[] { S(7, 1), S(3, 1), S(7, 2), S(9, 1), S(3, 2), S(7, 3) }) batch.Add(s);
        var splitter = new TraceSplitter();

        Assert.Equal(3, splitter.Split(batch));

        Assert.Equal(new TraceId(0, 7), splitter.GroupTraceId(0));
        Assert.Equal(new TraceId(0, 3), splitter.GroupTraceId(1));
        Assert.Equal(new TraceId(0, 9), splitter.GroupTraceId(2));
        Assert.Equal(new ulong[] { 1, 2, 3 }, Ids(splitter.Group(0)));
        Assert.Equal(new ulong[] { 1, 2 }, Ids(splitter.Group(1)));
        Assert.Equal(new ulong[] { 1 }, Ids(splitter.Group(2)));
    }

    [Fact]
    public void A_batch_of_one_trace_is_one_group_in_input_order_even_after_a_split_of_many()
    {
        var splitter = new TraceSplitter();
        Assert.Equal(2, splitter.Split(new[] { S(1, 1), S(2, 1), S(1, 2) }));

        Assert.Equal(1, splitter.Split(new[] { S(5, 3), S(5, 1), S(5, 2) }));
        Assert.Equal(new TraceId(0, 5), splitter.GroupTraceId(0));
        Assert.Equal(new ulong[] { 3, 1, 2 }, Ids(splitter.Group(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => splitter.Group(1));

        // And the general path still works after the shortcut (its lookup table was left clean).
        Assert.Equal(2, splitter.Split(new[] { S(5, 1), S(6, 1), S(5, 2) }));
        Assert.Equal(new ulong[] { 1, 2 }, Ids(splitter.Group(0)));
        Assert.Equal(new ulong[] { 1 }, Ids(splitter.GroupMemory(1).Span));
    }

    [Fact]
    public void A_splitter_is_reused_and_a_later_smaller_split_forgets_earlier_groups()
    {
        var splitter = new TraceSplitter();
        var many = new ModelSpan[1_000];
        for (int i = 0; i < many.Length; i++) many[i] = S((ulong)(i % 300) + 1, (ulong)i);
        Assert.Equal(300, splitter.Split(many));
        for (int g = 0; g < 300; g++)
        {
            foreach (var s in splitter.Group(g)) Assert.Equal(splitter.GroupTraceId(g), s.TraceId);
        }

        Assert.Equal(1, splitter.Split([S(5, 1), S(5, 2)]));
        Assert.Equal(new ulong[] { 1, 2 }, Ids(splitter.Group(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => splitter.Group(1));
        Assert.Equal(0, splitter.Split(ReadOnlySpan<ModelSpan>.Empty));
    }

    private static ulong[] Ids(ReadOnlySpan<ModelSpan> spans)
    {
        var ids = new ulong[spans.Length];
        for (int i = 0; i < spans.Length; i++) ids[i] = spans[i].SpanId.Value;
        return ids;
    }
}
