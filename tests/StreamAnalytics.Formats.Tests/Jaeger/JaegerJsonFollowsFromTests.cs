using System.Text;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Tests.Jaeger;

/// <summary>
/// <see cref="SpanFlags.FollowsFrom"/> from the Jaeger JSON decoder: set exactly when the reference chosen as the parent
/// (the first CHILD_OF in the trace, else the first reference of any type in it) is a FOLLOWS_FROM.
/// </summary>
public class JaegerJsonFollowsFromTests
{
    private const string Trace = "0af7651916cd43dd8448eb211c80319c";
    private const string OtherTrace = "abcdefabcdefabcdefabcdefabcdefab";

    private static Span Decode(string references, bool referencesFirst = false)
    {
        string ids = $"\"traceId\":\"{Trace}\",\"spanId\":\"2222222222222222\"";
        string refs = $"\"references\":[{references}]";
        string json = referencesFirst
            ? $"{{{refs},{ids},\"operationName\":\"op\",\"process\":{{\"serviceName\":\"svc\"}}}}"
            : $"{{{ids},{refs},\"operationName\":\"op\",\"process\":{{\"serviceName\":\"svc\"}}}}";
        var batch = new SpanBatch();
        Assert.True(SpanDecoders.Create(SpanFormat.JaegerJson, new StringTable()).TryDecode(Encoding.UTF8.GetBytes(json), batch, out var error),
            error?.ToString());
        return Assert.Single(batch.Spans.ToArray());
    }

    private static string Ref(string span, string? refType = null, string trace = Trace) =>
        $"{{\"traceId\":\"{trace}\",\"spanId\":\"{span}\"{(refType is null ? "" : $",\"refType\":{refType}")}}}";

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // references before the span's trace id are held and judged at the end
    public void A_follows_from_parent_is_flagged(bool referencesFirst)
    {
        Span s = Decode(Ref("3333333333333333", "\"FOLLOWS_FROM\""), referencesFirst);

        Assert.Equal("3333333333333333", s.ParentSpanId.ToString());
        Assert.Equal(SpanFlags.FollowsFrom | SpanFlags.SourceJaeger, s.Flags);
    }

    [Fact]
    public void The_numeric_ref_type_1_is_follows_from_too()
    {
        Assert.True((Decode(Ref("3333333333333333", "1")).Flags & SpanFlags.FollowsFrom) != 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_later_child_of_reference_wins_and_the_span_is_not_flagged(bool referencesFirst)
    {
        Span s = Decode(Ref("3333333333333333", "\"FOLLOWS_FROM\"") + "," + Ref("4444444444444444"), referencesFirst);

        Assert.Equal("4444444444444444", s.ParentSpanId.ToString());
        Assert.Equal(SpanFlags.SourceJaeger, s.Flags);
    }

    [Fact]
    public void A_follows_from_reference_into_another_trace_is_no_parent_and_no_flag()
    {
        Span s = Decode(Ref("3333333333333333", "\"FOLLOWS_FROM\"", OtherTrace));

        Assert.True(s.ParentSpanId.IsEmpty);
        Assert.Equal(SpanFlags.SourceJaeger, s.Flags);
    }
}
