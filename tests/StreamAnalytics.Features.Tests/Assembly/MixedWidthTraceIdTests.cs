using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using static StreamAnalytics.Features.Tests.Assembly.AssemblyTestKit;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Tests.Assembly;

/// <summary>
/// <c>assembly.trace.id.strict</c>: a 64-bit trace id and the 128-bit id whose lower half it is are two traces by
/// default and one when the setting is false (Zipkin's <c>STRICT_TRACE_ID=false</c>), through every step that keys by
/// trace id: the repartition key and its partition, the splitter, the open-trace index, its changelog.
/// </summary>
public sealed class MixedWidthTraceIdTests
{
    private static readonly TraceId Wide = new(0x463AC35C9F6413ADUL, 0x48485A3953BB6124UL);
    private static readonly TraceId Narrow = new(0, 0x48485A3953BB6124UL);

    private readonly StringTable _strings = new();
    private readonly List<Trace> _out = new();

    private static AssemblyConfig Lenient() => new() { TraceIdStrict = false };

    [Fact]
    public void The_join_key_is_the_id_when_strict_and_its_lower_half_otherwise()
    {
        Assert.Equal(Wide, TraceIdKey.JoinKey(Wide, strict: true));
        Assert.Equal(Narrow, TraceIdKey.JoinKey(Wide, strict: false));
        Assert.Equal(Narrow, TraceIdKey.JoinKey(Narrow, strict: false));

        // Strict: two keys. Not strict: one key, so one partition for any partition count.
        Assert.NotEqual(TraceIdKey.ToKey(TraceIdKey.JoinKey(Wide, true)), TraceIdKey.ToKey(TraceIdKey.JoinKey(Narrow, true)));
        for (int partitions = 1; partitions <= 64; partitions++)
        {
            Assert.Equal(TraceIdKey.Partition(TraceIdKey.JoinKey(Narrow, false), partitions),
                TraceIdKey.Partition(TraceIdKey.JoinKey(Wide, false), partitions));
        }
        // The two forms do land apart under strict keys for some partition count, so the test above means something.
        Assert.Contains(Enumerable.Range(2, 63), p => TraceIdKey.Partition(Wide, p) != TraceIdKey.Partition(Narrow, p));
    }

    [Fact]
    public void The_splitter_groups_both_forms_under_the_64_bit_key_only_when_not_strict()
    {
        ModelSpan[] spans = [Span(_strings, Wide, 1), Span(_strings, Narrow, 2, parent: 1), Span(_strings, Wide, 3, parent: 1)];

        var strict = new TraceSplitter();
        Assert.Equal(2, strict.Split(spans));
        Assert.Equal(Wide, strict.GroupTraceId(0));
        Assert.Equal(Narrow, strict.GroupTraceId(1));

        var lenient = new TraceSplitter(strictTraceId: false);
        Assert.Equal(1, lenient.Split(spans));
        Assert.Equal(Narrow, lenient.GroupTraceId(0));
        // The spans keep their own ids: the assembler decides which one the trace reports.
        Assert.Equal([Wide, Narrow, Wide], lenient.Group(0).ToArray().Select(s => s.TraceId));
    }

    [Fact]
    public void Strict_assembly_keeps_the_two_forms_apart()
    {
        var a = new TraceAssembler(Store(Config(), _strings));
        a.Add(Span(_strings, Wide, 1), 0, T0Wall, _out);
        a.Add(Span(_strings, Narrow, 2, parent: 1), 0, T0Wall, _out);
        a.CompleteAll(CompletionReason.EndOfInput, _out);

        Assert.Equal(2, _out.Count);
        Assert.Equal([Narrow, Wide], _out.Select(t => t.TraceId).Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Lenient_assembly_joins_them_and_reports_the_128_bit_form_whichever_arrives_first(bool wideFirst)
    {
        var store = Store(Lenient(), _strings);
        var a = new TraceAssembler(store);
        ModelSpan root = Span(_strings, wideFirst ? Wide : Narrow, 1, service: "web");
        ModelSpan child = Span(_strings, wideFirst ? Narrow : Wide, 2, parent: 1, service: "app");
        a.Add(root, 0, T0Wall, _out);
        a.Add(child, 0, T0Wall, _out);

        Assert.Equal(1, store.OpenTraceCount);
        Assert.True(store.TryGetOpenTrace(Narrow, out OpenTraceInfo byNarrow));
        Assert.True(store.TryGetOpenTrace(Wide, out _));
        Assert.Equal(Wide, byNarrow.TraceId);
        Assert.Equal(2, store.GetOpenSpans(Wide).Length);

        a.CompleteAll(CompletionReason.EndOfInput, _out);
        Trace trace = Assert.Single(_out);
        Assert.Equal(Wide, trace.TraceId);
        Assert.Equal([1UL, 2UL], SpanIds(trace));
        Assert.All(trace.SpanArray.Take(trace.Count), s => Assert.Equal(Wide, s.TraceId));
    }

    [Fact]
    public void A_lenient_trace_of_64_bit_spans_only_reports_the_64_bit_id()
    {
        var a = new TraceAssembler(Store(Lenient(), _strings));
        a.AddRange([Span(_strings, Narrow, 1), Span(_strings, Narrow, 2, parent: 1)], 0, T0Wall, _out);
        a.CompleteAll(CompletionReason.EndOfInput, _out);
        Assert.Equal(Narrow, Assert.Single(_out).TraceId);
    }

    [Fact]
    public void One_record_holding_both_forms_is_one_group_of_one_trace()
    {
        var store = Store(Lenient(), _strings);
        var a = new TraceAssembler(store);
        AddOutcome outcome = a.AddRange([Span(_strings, Narrow, 1), Span(_strings, Wide, 2, parent: 1), Span(_strings, Narrow, 3, parent: 1)], 0, T0Wall, _out);

        Assert.Equal(AddOutcome.NewTrace, outcome);
        Assert.Equal(1, store.Metrics.TracesOpened);
        Assert.Equal(3, store.OpenSpanCount);
    }

    [Fact]
    public void A_late_revision_after_its_spans_were_released_still_reports_the_128_bit_form()
    {
        // Late retention keeps only the record (no spans): the revision holds the late 64-bit span alone.
        var config = new AssemblyConfig { TraceIdStrict = false, LateMaxBytes = OpenTraceStore.TraceEntryBytes };
        var a = new TraceAssembler(Store(config, _strings));
        a.Add(Span(_strings, Wide, 1), 0, T0Wall, _out);
        a.CompleteAll(CompletionReason.EndOfInput, _out);
        a.Add(Span(_strings, Narrow, 2, parent: 1), 1_000, T0Wall, _out);
        a.CompleteAll(CompletionReason.EndOfInput, _out);

        Assert.Equal(2, _out.Count);
        Assert.Equal(1, _out[1].Revision);
        Assert.Equal(1, _out[1].Count);
        Assert.Equal(Wide, _out[1].TraceId);
    }

    [Fact]
    public void Restore_of_a_lenient_store_rebuilds_one_trace_that_reports_the_128_bit_form()
    {
        var original = Store(Lenient(), _strings);
        var ctx = new FakeStateStoreContext();
        original.Init(ctx);
        var a = new TraceAssembler(original);
        a.Add(Span(_strings, Narrow, 2, parent: 1), 0, T0Wall, _out);
        original.Flush();
        a.Add(Span(_strings, Wide, 1), 10, T0Wall, _out);
        original.Flush();
        // Both chunks are under the 64-bit key.
        Assert.All(ctx.Changelog.Records, r => Assert.Equal(TraceIdKey.ToKey(Narrow), r.Key[..TraceIdKey.KeyLength]));

        var restored = Store(Lenient(), _strings);
        var ctx2 = new FakeStateStoreContext();
        restored.Init(ctx2);
        ctx2.Replay(ctx.Changelog.Records);

        var ids = new List<TraceId>();
        restored.CopyOpenTraceIds(ids);
        Assert.Equal([Wide], ids);
        new TraceAssembler(restored).CompleteAll(CompletionReason.EndOfInput, _out);
        Trace trace = Assert.Single(_out);
        Assert.Equal(Wide, trace.TraceId);
        Assert.Equal(2, trace.Count);
    }

    [Fact]
    public void The_setting_is_read_from_its_key_and_a_bad_value_names_it()
    {
        Assert.True(AssemblyConfig.Default.TraceIdStrict);
        Assert.False(AssemblyConfig.FromDictionary(new Dictionary<string, string> { [AssemblyConfig.TraceIdStrictKey] = "false" }).TraceIdStrict);
        Assert.True(AssemblyConfig.FromDictionary(new Dictionary<string, string> { [AssemblyConfig.TraceIdStrictKey] = "true" }).TraceIdStrict);
        var e = Assert.Throws<ArgumentException>(() =>
            AssemblyConfig.FromDictionary(new Dictionary<string, string> { [AssemblyConfig.TraceIdStrictKey] = "lenient" }));
        Assert.Contains(AssemblyConfig.TraceIdStrictKey, e.Message);
        Assert.Contains(AssemblyConfig.Keys, k => k.Name == AssemblyConfig.TraceIdStrictKey);
    }
}
