using System.Buffers;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Testing;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// The at-least-once case behind the SIGKILL test, without processes: a trace was emitted (its tombstone is in the
/// changelog), the instance died before committing its input, and the next owner restores and then reads part of the
/// trace's spans again. It must reopen the emitted trace whole (a revision with every span), not emit the re-read part
/// as a partial trace of its own.
/// </summary>
public sealed class RedeliveryAfterRestoreTests
{
    private const string Input = "spans-by-trace";
    private const string Output = "traces";
    private readonly StringTable _strings = new();

    [Fact]
    public void Spans_read_again_after_a_restore_reopen_the_emitted_trace_with_all_its_spans()
    {
        var traceId = new TraceId(0xC0FFEE, 7);
        byte[] key = TraceIdKey.ToKey(traceId);
        ModelSpan root = Span(traceId, 1, parent: 0), a = Span(traceId, 2, parent: 1), b = Span(traceId, 3, parent: 1);

        using var before = new TopologyTestDriver(Build());
        before.PipeInput(Input, key, Encode(a, b), 1_000);
        before.PipeInput(Input, key, Encode(root), 1_100);
        before.AdvanceWallClockTime(TimeSpan.FromSeconds(11));
        Assert.Equal($"{traceId} r0 spans=3", Assert.Single(before.ReadOutput(Output)).Value is { } v0 ? Encoding.UTF8.GetString(v0) : null);

        // Restart before the commit: the first input record (a, b) is read again.
        using var after = new TopologyTestDriver(Build(), restoreFrom: before.ChangelogRecords);
        after.PipeInput(Input, key, Encode(a, b), 1_000);
        after.AdvanceWallClockTime(TimeSpan.FromSeconds(11));

        var records = after.ReadOutput(Output);
        var only = Assert.Single(records);
        Assert.Equal($"{traceId} r1 spans=3", Encoding.UTF8.GetString(only.Value!));
    }

    private Topology Build()
    {
        var config = new AssemblyConfig
        {
            GapMs = 10_000, MaxTraceDurationMs = 300_000, RootGraceMs = 10_000, MaxSpansPerTrace = 10_000,
            MaxOpenBytes = 64L * 1024 * 1024, LateRetentionMs = 60_000, LateMaxBytes = 16L * 1024 * 1024,
        };
        var storeClock = new FakeTimeProvider(TopologyTestDriver.DefaultWallClockStart);
        return new Topology()
            .AddSource("spans", TraceIdKeySerde.Instance, SpanCodecValueDeserializer.Instance, Input)
            .AddProcessor("assemble", () => new TraceAssemblyProcessor(), "spans")
            .AddSink("emit", Output, TraceIdKeySerde.Instance, new TraceSummary(), "assemble")
            .AddStateStore(() => new OpenTraceStore(config, _strings, storeClock), "assemble");
    }

    private ModelSpan Span(TraceId trace, ulong spanId, ulong parent) => new()
    {
        TraceId = trace,
        SpanId = new SpanId(spanId),
        ParentSpanId = new SpanId(parent),
        StartUnixNanos = 1_000_000_000,
        DurationNanos = 5_000_000,
        Service = _strings.Intern("checkout"),
        Operation = _strings.Intern("GET /cart"),
        Kind = SpanKind.Server,
    };

    private byte[] Encode(params ModelSpan[] spans)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new SpanCodec().Encode(spans, _strings, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private sealed class TraceSummary : ISerializer<Trace>
    {
        public byte[] Serialize(Trace data, SerializationContext context) =>
            Encoding.UTF8.GetBytes($"{data.TraceId} r{data.Revision} spans={data.Count}");
    }
}
