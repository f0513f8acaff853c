using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;
using StreamAnalytics.Tools.Nezha;

namespace StreamAnalytics.Formats.Tests;

/// <summary>The same logical spans written in every format must decode to identical spans.</summary>
public class CrossFormatTests
{
    public static TheoryData<SpanFormat> Formats() => TestData.Formats();

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_sample_trace_decodes_to_the_hand_derived_spans(SpanFormat format)
    {
        List<SpanView> decoded = TestData.Decode(format, SpanEncoders.Encode(format, SampleTrace.Spans()));
        List<SpanView> expected = SpanView.Sorted(SampleTrace.Expected());
        List<SpanView> actual = SpanView.Sorted(decoded);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
    }

    public static TheoryData<string> NezhaFiles() => new() { "onlineboutique", "trainticket" };

    [Theory]
    [MemberData(nameof(NezhaFiles))]
    public void All_six_formats_give_identical_spans_for_the_real_Nezha_traces(string system)
    {
        // Zipkin carries microseconds, so the reference is the table truncated to microseconds; then every format
        // carries exactly the same information.
        List<LogicalSpan> spans = ToMicroseconds(NezhaCsvReader.Read(system == "onlineboutique" ? TestData.OnlineBoutique : TestData.TrainTicket));
        List<SpanView>? reference = null;
        foreach (SpanFormat format in TestData.AllFormats)
        {
            List<SpanView> decoded = SpanView.Sorted(TestData.Decode(format, SpanEncoders.Encode(format, spans, 500)));
            Assert.Equal(spans.Count, decoded.Count);
            if (reference is null)
            {
                reference = decoded;
                continue;
            }
            for (int i = 0; i < reference.Count; i++)
                Assert.True(reference[i] == decoded[i], $"{format} differs from {TestData.AllFormats[0]} at span {i}:\n{reference[i]}\n{decoded[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(NezhaFiles))]
    public void Nanosecond_formats_keep_the_exact_Nezha_times(string system)
    {
        List<LogicalSpan> spans = NezhaCsvReader.Read(system == "onlineboutique" ? TestData.OnlineBoutique : TestData.TrainTicket);
        var expected = spans.ToDictionary(s => s.SpanId + "/" + s.TraceId);
        foreach (SpanFormat format in new[] { SpanFormat.OtlpProto, SpanFormat.OtlpJson, SpanFormat.JaegerProto, SpanFormat.JaegerJson })
        {
            List<SpanView> decoded = TestData.Decode(format, SpanEncoders.Encode(format, spans));
            foreach (SpanView view in decoded)
            {
                LogicalSpan source = expected[view.SpanId + "/" + view.TraceId];
                Assert.Equal(source.StartUnixNanos, view.StartUnixNanos);
                Assert.Equal(source.DurationNanos, view.DurationNanos);
                Assert.Equal(source.Service, view.Service);
                Assert.Equal(source.Operation, view.Operation);
                Assert.Equal(source.ParentSpanId, view.ParentSpanId);
                Assert.Equal("Unspecified", view.Kind);
                Assert.False(view.Error);
            }
        }
    }

    private static List<LogicalSpan> ToMicroseconds(List<LogicalSpan> spans) => spans.Select(s => new LogicalSpan
    {
        TraceId = s.TraceId,
        SpanId = s.SpanId,
        ParentSpanId = s.ParentSpanId,
        Service = s.Service,
        Operation = s.Operation,
        StartUnixNanos = s.StartUnixNanos / 1000 * 1000,
        DurationNanos = s.DurationNanos / 1000 * 1000,
    }).ToList();
}
