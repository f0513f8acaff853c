using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Elasticsearch;
using StreamAnalytics.Sinks.File;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Embedded;

namespace StreamAnalytics.Cli.Job;

/// <summary>
/// Runs the trace job: sinks, the <c>/metrics</c> <c>/healthz</c> <c>/readyz</c> server, and the stream threads, until
/// cancelled (SIGINT/SIGTERM); then a graceful shutdown bounded by <c>shutdown.timeout.ms</c>.
/// </summary>
/// <remarks>Used by <c>run</c> and <c>demo</c>. Not reusable: one instance per run.</remarks>
public sealed class TraceJobHost : IAsyncDisposable
{
    private readonly TraceJobSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly List<ISink> _sinks = new();
    private readonly List<IAsyncDisposable> _disposables = new();
    private EmbeddedKafkaCluster? _embedded;
    private IProducer<byte[]?, byte[]>? _deadLetterProducer;
    private MetricsCollector? _collector;
    private DerivedMetrics? _derived;

    public TraceJobHost(TraceJobSettings settings, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        _settings = settings;
        _loggerFactory = loggerFactory;
        _log = loggerFactory.CreateLogger("StreamAnalytics.Job");
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The running instance (after <see cref="StartAsync"/>).</summary>
    public IKafkaStreams? Streams { get; private set; }

    /// <summary>The metrics server (after <see cref="StartAsync"/>).</summary>
    public MetricsServer? MetricsServer { get; private set; }

    /// <summary>The file sink, when configured.</summary>
    public FileSink? FileSink { get; private set; }

    /// <summary>Bootstrap servers in use (the embedded cluster's when <c>kafka.bootstrap.servers=embedded</c>).</summary>
    public string BootstrapServers { get; private set; } = "";

    /// <summary>Adds a sink besides the configured ones (the demo's report collector). Call before <see cref="StartAsync"/>.</summary>
    public void AddSink(ISink sink)
    {
        if (Streams is not null) throw new InvalidOperationException("sinks must be added before the job starts");
        _sinks.Add(sink);
    }

    /// <summary>Starts everything; returns once the stream threads run (partitions are assigned asynchronously).</summary>
    public async Task StartAsync(CancellationToken cancellationToken, EmbeddedKafkaCluster? embedded = null)
    {
        var s = _settings;
        _embedded = embedded;
        if (s.UsesEmbeddedKafka && _embedded is null)
        {
            _embedded = EmbeddedKafkaCluster.Start(brokers: 1, defaultPartitions: 8);
            foreach (string topic in s.SourceTopics) _embedded.CreateTopic(topic, 8);
            _log.LogWarning("kafka.bootstrap.servers=embedded: using an in-process mock cluster at {Bootstrap} (data is lost on exit)", _embedded.BootstrapServers);
        }
        BootstrapServers = _embedded?.BootstrapServers ?? s.BootstrapServers;
        s.Streams.BootstrapServers = BootstrapServers;

        _log.LogInformation("starting job {ApplicationId}: {Topics} ({Format}), guarantee {Guarantee}", s.ApplicationId,
            string.Join(",", s.SourceTopics), s.Format, s.Streams[StreamsConfig.ProcessingGuaranteeKey]);

        if (s.Elasticsearch is { } esConfig)
        {
            var es = new ElasticsearchSink(esConfig, _loggerFactory.CreateLogger("StreamAnalytics.Sinks.Elasticsearch"), DeadLetterSinkDocument);
            await es.StartAsync(cancellationToken);
            _sinks.Add(es);
            _disposables.Add(es);
            _log.LogInformation("elasticsearch sink: {Config}", esConfig.ToString());
        }
        if (s.FileDirectory is { } dir)
        {
            FileSink = new FileSink(dir, s.FileFormat);
            _sinks.Add(FileSink);
            _log.LogInformation("file sink: {Features}, {Aggregates}", FileSink.FeaturesPath, FileSink.AggregatesPath);
        }

        _derived = new DerivedMetrics();
        _collector = new MetricsCollector(s.Metrics);
        MetricsServer = new MetricsServer(s.Metrics, _collector, _loggerFactory.CreateLogger("StreamAnalytics.Metrics"));

        var topology = TraceTopologyFactory.Build(s, _sinks, _derived, _time, StringTable.Shared);
        _log.LogInformation("topology:\n{Topology}", topology.Describe());
        var builder = new KafkaStreamsBuilder(topology, s.Streams)
            .SetTimeProvider(_time)
            .SetLoggerFactory(_loggerFactory);
        if (_embedded is not null) builder.SetTopicAdmin(new EmbeddedTopicAdmin(_embedded));
        Streams = builder.Build();

        MetricsServer.AddReadinessCheck("kafka", CheckStreams);
        foreach (var sink in _sinks)
            if (sink is ElasticsearchSink es) MetricsServer.AddReadinessCheck("elasticsearch", es.CheckReadiness);
        await MetricsServer.StartAsync(cancellationToken);
        _log.LogInformation("metrics, health and readiness on {Address}", MetricsServer.BaseAddress);

        Streams.Start();
    }

    /// <summary>Readiness: running, partitions assigned, every store restored.</summary>
    private ReadinessResult CheckStreams()
    {
        var streams = Streams;
        if (streams is null) return ReadinessResult.NotReady("not started");
        var status = streams.GetStatus();
        if (status.State != KafkaStreamsState.Running) return ReadinessResult.NotReady($"state is {status.State}" + (status.LastError is { } e ? $": {e.Message}" : ""));
        if (status.AssignedPartitions.Count == 0) return ReadinessResult.NotReady("no partitions assigned");
        foreach (var restore in status.Restores)
            if (restore.State != ChangelogState.Completed) return ReadinessResult.NotReady($"restoring {restore.ChangelogTopic}[{restore.Partition}]");
        return ReadinessResult.Ready;
    }

    /// <summary>An Elasticsearch-rejected document goes to the dead-letter topic with the reason (called during a flush, before the commit).</summary>
    private void DeadLetterSinkDocument(DeadLetteredDocument doc)
    {
        _deadLetterProducer ??= new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig(ProducerSettings()) { BootstrapServers = BootstrapServers, EnableIdempotence = true }).Build();
        var headers = new Headers
        {
            { "x-error-reason", Encoding.UTF8.GetBytes(doc.Reason) },
            { "x-error-kind", Encoding.UTF8.GetBytes("sink:elasticsearch:" + doc.ErrorType) },
            { "x-sink-index", Encoding.UTF8.GetBytes(doc.Index) },
            { "x-sink-document-id", Encoding.UTF8.GetBytes(doc.Id) },
            { "x-sink-status", Encoding.UTF8.GetBytes(doc.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        };
        _deadLetterProducer.ProduceAsync(_settings.ApplicationId + "-dlq",
            new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(doc.Id), Value = doc.Source.ToArray(), Headers = headers }).GetAwaiter().GetResult();
    }

    private Dictionary<string, string> ProducerSettings()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in _settings.Streams.Values)
            if (kv.Key.StartsWith(StreamsConfig.ProducerPrefix, StringComparison.Ordinal)) result[kv.Key[StreamsConfig.ProducerPrefix.Length..]] = kv.Value;
        return result;
    }

    /// <summary>Graceful stop: stream threads flush and commit (bounded), then sinks and the metrics server stop.</summary>
    public async Task<bool> StopAsync()
    {
        bool clean = true;
        if (Streams is not null)
        {
            _log.LogInformation("shutting down (bound {Timeout})", _settings.ShutdownTimeout);
            clean = await Streams.CloseAsync(_settings.ShutdownTimeout);
            if (!clean) _log.LogWarning("stream threads did not finish within {Timeout}", _settings.ShutdownTimeout);
        }
        foreach (var sink in _sinks)
        {
            try { sink.Flush(CancellationToken.None); }
            catch (Exception e) { _log.LogWarning(e, "final flush of {Sink} failed; its offsets were not committed and will be re-read", sink.GetType().Name); }
        }
        return clean;
    }

    public async ValueTask DisposeAsync()
    {
        if (Streams is not null) await Streams.DisposeAsync();
        if (MetricsServer is not null) await MetricsServer.DisposeAsync();
        foreach (var d in _disposables) await d.DisposeAsync();
        FileSink?.Dispose();
        _deadLetterProducer?.Flush(TimeSpan.FromSeconds(10));
        _deadLetterProducer?.Dispose();
        _collector?.Dispose();
        _derived?.Dispose();
        if (_embedded is not null && _settings.UsesEmbeddedKafka) _embedded.Dispose();
    }
}
