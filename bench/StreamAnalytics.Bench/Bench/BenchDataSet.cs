using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Generate;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Tools.Logical;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Bench;

/// <summary>
/// The data every phase of <c>bench</c> runs on: online-shop traces (without the rare deep and wide report traces, so a
/// small run is not dominated by one 10,000-span trace) encoded as OTLP protobuf batches of 100 spans of several traces,
/// as an exporter's batches are. Deterministic for a seed, apart from the span times (they start at the wall clock).
/// </summary>
/// <remarks>
/// Besides the messages it keeps what the Kafka phases need to know when they are done: the spans in each message and
/// how many records the job's decode step forwards for it (one per trace id in the message, see <see cref="TraceSplitter"/>).
/// </remarks>
internal sealed class BenchDataSet
{
    public const int SpansPerMessage = 100;

    private BenchDataSet(byte[][] messages, int[] spansPerMessage, long repartitionRecords, long traces, TraceId[][] traceIdsPerMessage)
    {
        Messages = messages;
        SpansInMessage = spansPerMessage;
        RepartitionRecords = repartitionRecords;
        Traces = traces;
        TraceIdsInMessage = traceIdsPerMessage;
        long spans = 0, bytes = 0;
        foreach (int n in spansPerMessage) spans += n;
        foreach (byte[] m in messages) bytes += m.Length;
        Spans = spans;
        Bytes = bytes;
    }

    public byte[][] Messages { get; }

    /// <summary>Spans in message i.</summary>
    public int[] SpansInMessage { get; }

    /// <summary>Distinct trace ids in message i.</summary>
    public TraceId[][] TraceIdsInMessage { get; }

    public long Spans { get; }

    public long Bytes { get; }

    public long Traces { get; }

    /// <summary>Records the decode step forwards to the repartition topic for all messages (one per trace per message).</summary>
    public long RepartitionRecords { get; }

    /// <summary>The first messages, holding at least <paramref name="spans"/> spans.</summary>
    public BenchDataSet Prefix(long spans)
    {
        int count = 0;
        long sum = 0, groups = 0;
        var traces = new HashSet<TraceId>();
        while (count < Messages.Length && sum < spans)
        {
            sum += SpansInMessage[count];
            groups += TraceIdsInMessage[count].Length;
            traces.UnionWith(TraceIdsInMessage[count]);
            count++;
        }
        return new BenchDataSet(Messages[..count], SpansInMessage[..count], groups, traces.Count, TraceIdsInMessage[..count]);
    }

    /// <summary>Generates whole traces until at least <paramref name="minSpans"/> spans.</summary>
    public static BenchDataSet Generate(long minSpans, int seed)
    {
        var topology = GenerateCommand.WithoutLongTraces(SimulatedSystem.OnlineShop);
        var generator = new TraceGenerator(topology, seed, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        // Exactly SpansPerMessage spans per message (the last one excepted), cut across traces as an exporter's batch
        // is; SpanMessageBatcher would also encode the remainder of each flush as a small message.
        var messages = new List<byte[]>();
        var pending = new List<LogicalSpan>();
        while (generator.SpansGenerated < minSpans)
        {
            pending.AddRange(generator.NextTrace());
            if (pending.Count < SpansPerMessage) continue;
            int whole = pending.Count / SpansPerMessage * SpansPerMessage;
            messages.AddRange(SpanEncoders.Encode(SpanFormat.OtlpProto, pending.GetRange(0, whole), SpansPerMessage));
            pending.RemoveRange(0, whole);
        }
        if (pending.Count > 0) messages.AddRange(SpanEncoders.Encode(SpanFormat.OtlpProto, pending, SpansPerMessage));

        // Decode once to learn what the job will see: spans and distinct traces per message.
        var decoder = SpanDecoders.Create(SpanFormat.OtlpProto, StringTable.Shared);
        var batch = new SpanBatch(256);
        var splitter = new TraceSplitter();
        var spans = new int[messages.Count];
        var ids = new TraceId[messages.Count][];
        long groups = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            batch.Clear();
            if (!decoder.TryDecode(messages[i], batch, out DecodeError? error))
                throw new InvalidOperationException($"bench data: generated message {i} does not decode: {error}");
            spans[i] = batch.Count;
            int g = splitter.Split(batch);
            groups += g;
            ids[i] = new TraceId[g];
            for (int j = 0; j < g; j++) ids[i][j] = splitter.GroupTraceId(j);
        }
        return new BenchDataSet(messages.ToArray(), spans, groups, generator.TracesGenerated, ids);
    }
}
