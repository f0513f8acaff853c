using System.Buffers;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Testing;
using static StreamAnalytics.Features.Tests.Assembly.AssemblyTestKit;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Tests.Assembly;

/// <summary>The assembly step inside the runtime's TopologyTestDriver: real tasks, punctuation, changelog and restore.</summary>
public sealed class TraceAssemblyTopologyTests
{
    private const string Input = "spans-by-trace";
    private const string Output = "traces";
    private readonly StringTable _strings = new();

    [Fact]
    public void A_trace_open_before_a_restart_completes_whole_after_restoring_from_the_changelog()
    {
        byte[] key = TraceIdKey.ToKey(Tid(1));
        using (var before = new TopologyTestDriver(Build()))
        {
            before.PipeInput(Input, key, Encode(Child(_strings, Tid(1), 1), Child(_strings, Tid(1), 2)), 1_000);
            before.AdvanceWallClockTime(TimeSpan.FromSeconds(9));
            Assert.Empty(before.ReadOutput(Output));
            Assert.NotEmpty(before.ChangelogRecords);

            using var after = new TopologyTestDriver(Build(), restoreFrom: before.ChangelogRecords);
            after.PipeInput(Input, key, Encode(Child(_strings, Tid(1), 3)), 2_000);
            after.AdvanceWallClockTime(TimeSpan.FromSeconds(9));
            Assert.Empty(after.ReadOutput(Output));
            after.AdvanceWallClockTime(TimeSpan.FromSeconds(2));

            var record = Assert.Single(after.ReadOutput(Output));
            Assert.Equal(key, record.Key);
            Assert.Equal($"{Tid(1)} r0 Gap spans=3", Encoding.UTF8.GetString(record.Value!));
        }
    }

    private Topology Build()
    {
        var config = Config();
        var storeClock = new FakeTimeProvider(TopologyTestDriver.DefaultWallClockStart); // the drivers' wall clock starts at the same instant
        return new Topology()
            .AddSource("spans", TraceIdKeySerde.Instance, SpanCodecValueDeserializer.Instance, Input)
            .AddProcessor("assemble", () => new TraceAssemblyProcessor(), "spans")
            .AddSink("emit", Output, TraceIdKeySerde.Instance, new TraceSummary(), "assemble")
            .AddStateStore(() => new OpenTraceStore(config, _strings, storeClock), "assemble");
    }

    private byte[] Encode(params ModelSpan[] spans)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new SpanCodec().Encode(spans, _strings, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private sealed class TraceSummary : ISerializer<Trace>
    {
        public byte[] Serialize(Trace data, SerializationContext context) =>
            Encoding.UTF8.GetBytes($"{data.TraceId} r{data.Revision} {data.Reason} spans={data.Count}");
    }
}
