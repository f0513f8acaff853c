using StreamAnalytics.Cli.Job;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Testing;

namespace StreamAnalytics.Cli.Pipeline;

/// <summary>
/// The trace job offline: the job's own topology (<see cref="TraceTopologyFactory.Build"/>: decode → split by trace →
/// <c>SpanCodec</c> repartition → assemble → extract → aggregate → sinks) under the <see cref="TopologyTestDriver"/>,
/// without Kafka. Used by <c>replay</c> and by the in-process figure of <c>bench</c>, so both measure and produce what
/// the streaming job would.
/// </summary>
/// <remarks>
/// <para>Clocks: a file has no Kafka record timestamps. <c>replay</c> (<see cref="Process(byte[])"/>) treats it as
/// produced at once: every record has the same timestamp and the wall clock stands still, so traces complete at the
/// end (or earlier under <c>assembly.max.open.bytes</c>, as in the job) whatever the order of spans in the file. The
/// bench (<see cref="Process(byte[], long)"/>) gives each message its latest span end, as a live export would, and the
/// wall clock follows, so traces complete by gap while reading.</para>
/// <para>End of input (<see cref="Complete"/>): the wall clock moves to the latest span end seen, past the gap (every
/// open trace completes), then past gap + window + grace (every window closes), through the job's own punctuators.
/// Traces reach the aggregator in the order they last received spans, so a trace whose window had already closed (a
/// file out of time order by more than window + grace) is dropped from aggregates and counted in
/// <see cref="LateTraces"/>, never silently missing.</para>
/// <para>Memory: the driver keeps none of the records written (dead letters go to <c>onDeadLetter</c> at once).
/// Not thread-safe.</para>
/// </remarks>
public sealed class OfflineRun : IDisposable
{
    /// <summary>The application id of offline runs (dead-letter topic <c>replay-dlq</c>).</summary>
    public const string ApplicationId = "replay";

    private const string SourceTopic = "spans";

    /// <summary>
    /// Messages between the driver's commits (store changelogs written, processors flushed); see <see cref="MaybeCommit"/>.
    /// </summary>
    private const int MessagesBetweenCommits = 1_000;

    private readonly ISpanDecoder _timestampDecoder;
    private readonly SpanBatch _batch = new(1024);
    private readonly CountingSink _counter = new();
    private readonly IReadOnlyList<ISink> _sinks;
    private readonly Topology _topology;
    private readonly StreamsConfig _streams;
    private TopologyTestDriver? _driver;
    private readonly DriverClock _clock = new();
    private readonly AssemblyConfig _assembly;
    private readonly AggregateConfig _aggregate;
    private readonly Action<DeadLetter> _onDeadLetter;
    private long _streamTimeMs = -1;
    private long _latestSpanEndMs = -1;
    private long _produceTimeMs = -1;
    private int _messagesSinceCommit;
    private bool _completed;

    /// <param name="format">Format of every message.</param>
    /// <param name="assembly">Assembly settings (the job's, e.g. <see cref="AssemblyConfig.Default"/>).</param>
    /// <param name="features">Feature settings.</param>
    /// <param name="aggregate">Aggregate settings.</param>
    /// <param name="sinks">Where documents go. Flushed once, at <see cref="Complete"/>: offline there are no offsets to commit.</param>
    /// <param name="onDeadLetter">Each refused message, with the reason the job would dead-letter it with.</param>
    /// <param name="strings">Interned names; default shared.</param>
    public OfflineRun(SpanFormat format, AssemblyConfig assembly, FeatureConfig features, AggregateConfig aggregate,
        IReadOnlyList<ISink> sinks, Action<DeadLetter> onDeadLetter, StringTable? strings = null)
    {
        strings ??= StringTable.Shared;
        _assembly = assembly;
        _aggregate = aggregate;
        _onDeadLetter = onDeadLetter;
        _timestampDecoder = SpanDecoders.Create(format, strings);
        _sinks = sinks;
        // The driver commits every MessagesBetweenCommits messages; the sinks are flushed once at the end instead (no offsets here).
        var allSinks = new List<ISink>(sinks.Count + 1) { _counter };
        for (int i = 0; i < sinks.Count; i++) allSinks.Add(new NoCommitFlushSink(sinks[i]));
        var kinds = new HashSet<AggregateKind>();
        for (int i = 0; i < AggregateKindNames.Count; i++) kinds.Add((AggregateKind)i);
        var settings = new TraceJobSettings
        {
            ApplicationId = ApplicationId,
            BootstrapServers = "none",
            SourceTopics = [SourceTopic],
            Format = format,
            Decoder = DecoderOptions.Default,
            MaxInternedNames = StringTable.DefaultMaxEntries,
            KeyedByTraceId = !format.IsBatchFormat(),
            RepartitionPartitions = 1,
            Streams = new StreamsConfig { ApplicationId = ApplicationId },
            Assembly = assembly,
            Features = features,
            FeatureSelection = FeatureSelection.All,
            Aggregate = aggregate,
            AggregateKinds = kinds,
            FeaturesTopic = null,
            WriteFeatureDocuments = true,
            Elasticsearch = null,
            FileDirectory = null,
            FileFormat = Sinks.File.FileSinkFormat.Plain,
            Metrics = new Sinks.Prometheus.PrometheusExporterConfig(),
            ShutdownTimeout = TimeSpan.Zero,
            JsonLogs = false,
            LogLevel = "none",
        };
        _streams = settings.Streams;
        _topology = TraceTopologyFactory.Build(settings, allSinks, metrics: null, _clock, strings);
    }

    /// <summary>A refused message: its index in the input, the decoder's kind and reason.</summary>
    public readonly record struct DeadLetter(long Message, string Kind, string Reason);

    public long Messages { get; private set; }
    public long Spans { get; private set; }
    public long DeadLettered { get; private set; }

    /// <summary>Feature documents emitted (revision 0 and late-span revisions).</summary>
    public long Traces => _counter.Features;

    public long AggregateDocuments => _counter.Aggregates;

    /// <summary>Traces dropped because their window had closed when they completed (<c>aggregate_late_traces_total</c>).</summary>
    public long LateTraces => _driver?.GetStateStore<WindowStore>(WindowStore.DefaultName).Aggregator.LateTraces ?? 0;

    /// <summary>The latest span end of <paramref name="message"/> (ms), or -1 when it does not decode; counts its spans in <see cref="Spans"/>.</summary>
    public long LatestSpanEndMs(ReadOnlySpan<byte> message)
    {
        _batch.Clear();
        if (!_timestampDecoder.TryDecode(message, _batch, out _)) return -1;
        long latest = -1;
        ReadOnlySpan<Span> spans = _batch.Spans;
        for (int i = 0; i < spans.Length; i++) latest = Math.Max(latest, spans[i].EndUnixNanos / 1_000_000);
        Spans += spans.Length;
        return latest;
    }

    /// <summary>
    /// Processes one message of a file, as a producer that sends the whole file at once would: every record gets the
    /// same timestamp (the first message's latest span end), so nothing completes by gap while the file is read, however
    /// its spans are ordered; <see cref="Complete"/> then moves the clock to the latest span end seen and on.
    /// </summary>
    public void Process(byte[] message)
    {
        long latest = LatestSpanEndMs(message);
        if (latest > _latestSpanEndMs) _latestSpanEndMs = latest;
        if (_produceTimeMs < 0) _produceTimeMs = latest;
        Process(message, _produceTimeMs);
    }

    /// <summary>
    /// Processes one message with its record timestamp (ms; -1 = unknown: the stream time so far). The wall clock
    /// follows the timestamps, as a live job's does; moving it fires the wall-clock punctuators.
    /// </summary>
    public void Process(byte[] message, long timestampMs)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        Messages++;
        if (timestampMs > _streamTimeMs) _streamTimeMs = timestampMs;
        // A FakeTimeProvider cannot go back, so the driver is made at the first message, its wall clock starting there.
        TopologyTestDriver driver = _driver ??= CreateDriver(_streamTimeMs);
        driver.PipeInput(SourceTopic, key: null, message, Math.Max(0, _streamTimeMs));
        AdvanceWallClockTo(_streamTimeMs);
        MaybeCommit(driver);
    }

    /// <summary>Commits every <see cref="MessagesBetweenCommits"/> messages (about 100,000 spans of OTLP batches).</summary>
    /// <remarks>
    /// The job commits by <c>commit.interval.ms</c> (1 s), about every 500,000 spans at its throughput; the driver
    /// committed every 100 messages (50 by its count: the clock's move after each message counted too), and each commit
    /// writes the open-traces record cache and the aggregates to changelogs that offline nobody reads: 8 % of the
    /// in-process profile. Not by the driver's clock: it follows the records' timestamps, and a file's data time runs
    /// faster than a live job's clock (tried: by the driver's clock every commit.interval.ms the bench cost more than with
    /// 100 messages, 1,617 ns per span). What a commit releases stays bounded between commits (the record cache by the open traces, the aggregates
    /// by their windows; the driver defers no deletes). Measured with <c>BENCH_ONLY=inprocess streamanalytics-bench
    /// --spans 1000000</c>, with the driver's per-record lookups removed in the same step: 1,592 ns of CPU per span before,
    /// 1,340 after; 10,000 messages gave 1,347.
    /// </remarks>
    private void MaybeCommit(TopologyTestDriver driver)
    {
        if (++_messagesSinceCommit < MessagesBetweenCommits) return;
        driver.Commit();
        _messagesSinceCommit = 0;
    }

    /// <summary>End of input: completes every trace, closes every window, flushes the sinks.</summary>
    public void Complete()
    {
        if (_completed) return;
        _completed = true;
        if (_driver is null) return;
        long gap = _assembly.GapMs;
        // The clock reaches the last span first, so the aggregator's watermark (capped near the wall clock) can pass it.
        AdvanceWallClockTo(_latestSpanEndMs);
        // First every open trace completes by its wall-clock gap (the assembler's punctuator)...
        _driver.AdvanceWallClockTime(TimeSpan.FromMilliseconds(gap + 1));
        // ...then the aggregator's idle punctuator moves the watermark past every window's end plus grace.
        _driver.AdvanceWallClockTime(TimeSpan.FromMilliseconds(gap + _aggregate.WindowMs + _aggregate.GraceMs + 1));
        _driver.Commit();
    }

    /// <summary>Flushes the sinks given to the constructor (call after <see cref="Complete"/>).</summary>
    public void Flush(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _sinks.Count; i++) _sinks[i].Flush(cancellationToken);
    }

    public void Dispose() => _driver?.Dispose();

    private void AdvanceWallClockTo(long timeMs)
    {
        long wallMs = _driver!.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (timeMs > wallMs) _driver.AdvanceWallClockTime(TimeSpan.FromMilliseconds(timeMs - wallMs));
    }

    private TopologyTestDriver CreateDriver(long firstTimestampMs)
    {
        var start = firstTimestampMs >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(firstTimestampMs) : TopologyTestDriver.DefaultWallClockStart;
        // The driver never commits by itself: MaybeCommit does, by message count.
        var driver = new TopologyTestDriver(_topology, _streams, initialWallClock: start, retainOutput: Written, commitEvery: int.MaxValue);
        _clock.Driver = driver;
        return driver;
    }

    private bool Written(TestRecord record)
    {
        if (record.Topic == _driver?.DeadLetterTopic)
        {
            DeadLettered++;
            string kind = record.HeaderString(Streams.Errors.DeadLetterHeaders.ErrorKind) ?? "";
            if (kind.StartsWith("decode:", StringComparison.Ordinal)) kind = kind["decode:".Length..];
            _ = long.TryParse(record.HeaderString(Streams.Errors.DeadLetterHeaders.SourceOffset), out long offset);
            _onDeadLetter(new DeadLetter(offset, kind, record.HeaderString(Streams.Errors.DeadLetterHeaders.ErrorReason) ?? ""));
        }
        return false;
    }

    /// <summary>Forwards to the driver's clock once it exists (the topology is built before the driver).</summary>
    private sealed class DriverClock : TimeProvider
    {
        public TopologyTestDriver? Driver { get; set; }
        public override DateTimeOffset GetUtcNow() => Driver?.Time.GetUtcNow() ?? TopologyTestDriver.DefaultWallClockStart;
    }

    /// <summary>Passes documents on; ignores the per-commit flush (the run flushes once at the end).</summary>
    private sealed class NoCommitFlushSink(ISink inner) : ISink
    {
        public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) => inner.Add(document, cancellationToken);
        public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) => inner.Add(aggregate, cancellationToken);
        public void Flush(CancellationToken cancellationToken) { }
    }

    private sealed class CountingSink : ISink
    {
        public long Features { get; private set; }
        public long Aggregates { get; private set; }
        public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) => Features++;
        public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) => Aggregates++;
        public void Flush(CancellationToken cancellationToken) { }
    }
}
