using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;
using StreamAnalytics.Tools.Generated.Jaeger;

namespace StreamAnalytics.Bench.Book;

/// <summary>
/// The book's SpanCountJob written with Streamiz.Kafka.Net 1.8.2, for the bench's comparison only (never part of the
/// product): Jaeger spans keyed by trace id, grouped per trace in an in-memory key-value store (changelogged, as
/// Streamiz does by default), a wall-clock punctuator that emits a trace once it has been quiet for the gap, one
/// JSON record per trace (<c>{"service::operation": count}</c>) to the output topic.
/// </summary>
/// <remarks>
/// Written as a competent Streamiz user would: the Processor API (a transformer with a store and a punctuator) rather
/// than the DSL's session windows, which emit a record per span update unless suppressed; the generated protobuf
/// types to decode spans; a compact binary serde for the store. Settings match our job's: one stream thread,
/// at-least-once, 1 s commit interval, the same fetch wait.
/// </remarks>
internal static class StreamizSpanCountJob
{
    public const string StoreName = "open-traces";

    /// <summary>How often the punctuator looks for quiet traces: a tenth of the gap, at least 10 ms.</summary>
    public static TimeSpan PunctuateEvery(long gapMs) => TimeSpan.FromMilliseconds(Math.Max(10, gapMs / 10));

    public static KafkaStream Build(string appId, string bootstrap, string inputTopic, string outputTopic, long gapMs, int? fetchWaitMaxMs,
        BookProgress progress, ILoggerFactory loggerFactory, string stateDir)
    {
        var config = new StreamConfig<StringSerDes, ByteArraySerDes>
        {
            ApplicationId = appId,
            BootstrapServers = bootstrap,
            NumStreamThreads = 1,
            Guarantee = ProcessingGuarantee.AT_LEAST_ONCE,
            CommitIntervalMs = 1000,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            StateDir = stateDir,
            Logger = loggerFactory,
            // The same fetcher setting as ours and the bare consumer: librdkafka's default (1000 ms) stalls the fetcher
            // for a second whenever the prefetch queue fills.
            FetchQueueBackoffMs = 10,
        };
        if (fetchWaitMaxMs is { } wait) config.FetchWaitMaxMs = wait;
        SpanCountTransformer.Settings = (gapMs, progress);

        var builder = new StreamBuilder();
        builder.Stream<string, byte[]>(inputTopic)
            .Transform(TransformerBuilder.New<string, byte[], string, string>()
                .Transformer<SpanCountTransformer>()
                .StateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore(StoreName), new StringSerDes(), new OpenTraceSerDes()))
                .Build())
            .To<StringSerDes, StringSerDes>(outputTopic);
        return new KafkaStream(builder.Build(), config);
    }

    /// <summary>One open trace in the store: when its last span arrived (wall clock, ms) and its spans per operation.</summary>
    internal sealed class OpenTrace
    {
        public long LastSeenMs { get; set; }

        public Dictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Counts spans per trace; the punctuator emits and deletes traces quiet for the gap.</summary>
    internal sealed class SpanCountTransformer : ITransformer<string, byte[], string, string>
    {
        /// <summary>
        /// Streamiz creates transformers itself (a public parameterless constructor), so the gap and the bench's
        /// counters are handed over here; one Streamiz job runs at a time in the bench.
        /// </summary>
        public static (long GapMs, BookProgress Progress) Settings { get; set; }

        private readonly long _gapMs = Settings.GapMs;
        private readonly BookProgress _progress = Settings.Progress;
        private ProcessorContext<string, string>? _context;
        private IKeyValueStore<string, OpenTrace>? _store;

        public void Init(ProcessorContext<string, string> context)
        {
            _context = context;
            _store = (IKeyValueStore<string, OpenTrace>)context.GetStateStore(StoreName);
            context.Schedule(PunctuateEvery(_gapMs), PunctuationType.PROCESSING_TIME, EmitQuietTraces);
        }

        public Record<string, string>? Process(Record<string, byte[]> record)
        {
            var span = Span.Parser.ParseFrom(record.Value);
            var trace = _store!.Get(record.Key) ?? new OpenTrace();
            string op = span.Process.ServiceName + "::" + span.OperationName;
            trace.Counts[op] = trace.Counts.GetValueOrDefault(op) + 1;
            trace.LastSeenMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            _store.Put(record.Key, trace);
            _progress.Processed();
            return null; // records go out from the punctuator, one per trace
        }

        private void EmitQuietTraces(long now)
        {
            var quiet = new List<KeyValuePair<string, OpenTrace>>();
            foreach (var entry in _store!.All())
                if (entry.Value.LastSeenMs + _gapMs <= now) quiet.Add(entry);
            foreach (var (traceId, trace) in quiet)
            {
                _context!.Forward(traceId, JsonSerializer.Serialize(new SortedDictionary<string, int>(trace.Counts, StringComparer.Ordinal)));
                _store.Delete(traceId);
                _progress.Emitted();
            }
        }

        public void Close() { }
    }

    /// <summary>Store values as <c>lastSeen, n, (operation, count) × n</c>: compact, no reflection.</summary>
    internal sealed class OpenTraceSerDes : AbstractSerDes<OpenTrace>
    {
        public override byte[] Serialize(OpenTrace data, SerializationContext context)
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(data.LastSeenMs);
                writer.Write(data.Counts.Count);
                foreach (var (op, count) in data.Counts)
                {
                    writer.Write(op);
                    writer.Write(count);
                }
            }
            return stream.ToArray();
        }

        public override OpenTrace Deserialize(byte[] data, SerializationContext context)
        {
            using var reader = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
            var trace = new OpenTrace { LastSeenMs = reader.ReadInt64() };
            int n = reader.ReadInt32();
            for (int i = 0; i < n; i++) trace.Counts[reader.ReadString()] = reader.ReadInt32();
            return trace;
        }
    }
}

/// <summary>Input records processed and traces emitted by the Streamiz job, with the moments and the process CPU time.</summary>
internal sealed class BookProgress(long records, long traces)
{
    private long _processed;
    private long _emitted;

    /// <summary>The process at the first and the last input record processed.</summary>
    public ProcessSample First { get; private set; }

    public ProcessSample Last { get; private set; }

    public long LastEmittedTimestamp { get; private set; }

    public long ProcessedCount => Interlocked.Read(ref _processed);

    public long EmittedCount => Interlocked.Read(ref _emitted);

    public bool Drained => ProcessedCount >= records;

    public bool AllEmitted => EmittedCount >= traces;

    public void Processed()
    {
        long n = Interlocked.Increment(ref _processed);
        if (n == 1) First = ProcessSample.Take();
        if (n == records) Last = ProcessSample.Take();
    }

    public void Emitted()
    {
        if (Interlocked.Increment(ref _emitted) == traces) LastEmittedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }
}
