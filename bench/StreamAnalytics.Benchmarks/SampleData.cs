using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Generate;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Benchmarks;

/// <summary>
/// The data of the micro-benchmarks: online-shop traces without the rare report traces (as <c>bench</c> uses), as OTLP
/// protobuf messages of 100 spans, and the same spans decoded. Deterministic (seed 1, fixed start time).
/// </summary>
public sealed class SampleData
{
    public const int SpansPerMessage = 100;

    private SampleData(byte[][] messages, Span[][] decoded)
    {
        Messages = messages;
        Decoded = decoded;
    }

    public byte[][] Messages { get; }

    /// <summary>The spans of message i, decoded against <see cref="StringTable.Shared"/>.</summary>
    public Span[][] Decoded { get; }

    public static SampleData Create(int messages)
    {
        var topology = SimulatedSystem.OnlineShop
            .WithEntryPointWeight(SimulatedSystem.ReportingService, SimulatedSystem.DeepReportOperation, 0)
            .WithEntryPointWeight(SimulatedSystem.ReportingService, SimulatedSystem.WideReportOperation, 0);
        var generator = new TraceGenerator(topology, seed: 1, startUnixNanos: 1_700_000_000_000_000_000);
        var spans = new List<LogicalSpan>();
        while (spans.Count < messages * SpansPerMessage) spans.AddRange(generator.NextTrace());
        var encoded = SpanEncoders.Encode(SpanFormat.OtlpProto, spans.GetRange(0, messages * SpansPerMessage), SpansPerMessage);

        var decoder = SpanDecoders.Create(SpanFormat.OtlpProto, StringTable.Shared);
        var batch = new SpanBatch(SpansPerMessage);
        var decoded = new Span[encoded.Count][];
        for (int i = 0; i < encoded.Count; i++)
        {
            batch.Clear();
            if (!decoder.TryDecode(encoded[i], batch, out DecodeError? error)) throw new InvalidOperationException($"message {i}: {error}");
            decoded[i] = batch.Spans.ToArray();
        }
        return new SampleData(encoded.ToArray(), decoded);
    }

    /// <summary>Whole traces of the data, grouped by trace id, in order of first appearance.</summary>
    public List<Trace> Traces()
    {
        var byId = new Dictionary<TraceId, List<Span>>();
        var order = new List<TraceId>();
        foreach (Span[] message in Decoded)
        {
            foreach (Span s in message)
            {
                if (!byId.TryGetValue(s.TraceId, out var list))
                {
                    byId[s.TraceId] = list = new List<Span>();
                    order.Add(s.TraceId);
                }
                list.Add(s);
            }
        }
        var traces = new List<Trace>(order.Count);
        foreach (TraceId id in order)
        {
            Span[] spans = byId[id].ToArray();
            traces.Add(new Trace(id, spans, spans.Length, StringTable.Shared) { Reason = CompletionReason.Gap });
        }
        return traces;
    }

    /// <summary>A trace with the median span count: what "a typical trace" means here.</summary>
    public Trace TypicalTrace()
    {
        var traces = Traces();
        traces.Sort((a, b) => a.Count.CompareTo(b.Count));
        return traces[traces.Count / 2];
    }
}
