using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Elasticsearch;
using StreamAnalytics.Sinks.File;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Testing.Embedded;

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
    private bool _onMockCluster;
    private IProducer<byte[]?, byte[]>? _deadLetterProducer;
    private MetricsCollector? _collector;
    private DerivedMetrics? _derived;
    private readonly Meter _meter = new("StreamAnalytics.Job");
    private long _kafkaOutages;
    private readonly CancellationTokenSource _probeStop = new();
    private Task? _probe;
    private Task? _elasticsearchStart;
    // 1 while the last metadata probe reached a broker (assumed until the first probe says otherwise).
    private volatile int _kafkaReachable = 1;
    private DateTimeOffset _kafkaUnreachableSince;

    public TraceJobHost(TraceJobSettings settings, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        _settings = settings;
        _loggerFactory = loggerFactory;
        _log = loggerFactory.CreateLogger("StreamAnalytics.Job");
        _time = time ?? TimeProvider.System;
        _meter.CreateObservableGauge("job.kafka.reachable", () => _kafkaReachable, "{boolean}",
            "1 when the last metadata request (every 2 s) reached a Kafka broker, 0 during an outage (then /readyz is 503)");
        // Observable, so the series exists at 0 before the first outage (an alert's rate() then sees that one).
        _meter.CreateObservableCounter("job.kafka.outages", () => Interlocked.Read(ref _kafkaOutages), "{outage}",
            "Times the Kafka brokers became unreachable");
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
        await AdaptToMockClusterAsync(cancellationToken);

        _log.LogInformation("starting job {ApplicationId}: {Topics} ({Format}), guarantee {Guarantee}", s.ApplicationId,
            string.Join(",", s.SourceTopics), s.Format, s.Streams[StreamsConfig.ProcessingGuaranteeKey]);

        if (s.Elasticsearch is { } esConfig)
        {
            var es = new ElasticsearchSink(esConfig, _loggerFactory.CreateLogger("StreamAnalytics.Sinks.Elasticsearch"), DeadLetterSinkDocument);
            _sinks.Add(es);
            _disposables.Add(es);
            // In the background: an unreachable Elasticsearch must not stop the job from starting (a crash loop on
            // Kubernetes); /readyz says why it is not ready, documents are held and offsets not committed meanwhile.
            _elasticsearchStart = StartElasticsearchAsync(es, _probeStop.Token);
            _log.LogInformation("elasticsearch sink: {Config}", esConfig.ToString());
        }
        if (s.FileDirectory is { } dir)
        {
            FileSink = CreateFileSink(s, dir);
            _sinks.Add(FileSink);
            _log.LogInformation("file sink: {Features}, {Aggregates}", FileSink.FeaturesPath, FileSink.AggregatesPath);
        }

        _derived = new DerivedMetrics();
        Features.FeatureMeters.EnsureCreated(s.Format);
        _collector = new MetricsCollector(s.Metrics);
        MetricsServer = new MetricsServer(s.Metrics, _collector, _loggerFactory.CreateLogger("StreamAnalytics.Metrics"));

        // The job's own name table, sized by decode.max.interned.names; its overflow is decode_names_overflowed_total.
        var topology = TraceTopologyFactory.Build(s, _sinks, _derived, _time, new StringTable(s.MaxInternedNames));
        // The topology is logged once, by the runtime as it starts (with application.id resolved).
        var builder = new KafkaStreamsBuilder(topology, s.Streams)
            .SetTimeProvider(_time)
            .SetLoggerFactory(_loggerFactory);
        if (_embedded is not null) builder.SetTopicAdmin(new EmbeddedTopicAdmin(_embedded));
        // The mock brokers do not implement DescribeConfigs: asking for the topics' max.message.bytes would hold Start up.
        else if (_onMockCluster) builder.SetTopicLimitLookup(false);
        Streams = builder.Build();

        MetricsServer.AddReadinessCheck("kafka", CheckStreams);
        foreach (var sink in _sinks)
            if (sink is ElasticsearchSink es) MetricsServer.AddReadinessCheck("elasticsearch", es.CheckReadiness);
        await MetricsServer.StartAsync(cancellationToken);
        _log.LogInformation("metrics, health and readiness on {Address}", MetricsServer.BaseAddress);

        // Start creates the internal topics (admin requests bounded by their own timeouts): off this thread, so that a
        // Ctrl-C or --duration ends the wait at once.
        var streams = Streams;
        await Task.Run(streams.Start, CancellationToken.None).WaitAsync(cancellationToken);
        _probe = Task.Run(() => ProbeKafka(_probeStop.Token));
    }

    /// <summary>
    /// The job's file sink in <paramref name="directory"/>: <c>file.format</c>, <c>file.buffer.bytes</c>, and bulk
    /// action lines naming the indices the Elasticsearch sink writes (<c>elasticsearch.index.*</c>).
    /// </summary>
    internal static FileSink CreateFileSink(TraceJobSettings s, string directory) =>
        new(directory, s.FileFormat, s.FeaturesIndexPrefix, s.AggregatesIndexPrefix, s.FileBufferBytes);

    /// <summary>How long the job waits before it tries again to put Elasticsearch's index templates.</summary>
    internal static readonly TimeSpan ElasticsearchStartRetry = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Puts the index templates and starts the sink's sender, retrying every <see cref="ElasticsearchStartRetry"/>
    /// (each attempt itself retries with back-off) until it succeeds or the job stops.
    /// </summary>
    private async Task StartElasticsearchAsync(ElasticsearchSink es, CancellationToken stop)
    {
        for (int attempt = 1; !stop.IsCancellationRequested; attempt++)
        {
            try
            {
                await es.StartAsync(stop).ConfigureAwait(false);
                if (attempt > 1) _log.LogInformation("Elasticsearch answers again: index templates put, sending the held documents");
                return;
            }
            catch (ElasticsearchException e)
            {
                _log.LogWarning("Elasticsearch is not reachable (attempt {Attempt}): {Reason} The job keeps running: /readyz is not ready, documents are held and offsets not committed; retrying in {Delay} s",
                    attempt, e.Message, ElasticsearchStartRetry.TotalSeconds);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await Task.Delay(ElasticsearchStartRetry, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// On librdkafka's mock cluster (ours, or a <c>kafka-mock</c> process): a short session timeout, and the job's topics
    /// checked up front, since the mock cannot create them (<see cref="MockClusterCheck"/>). Bounded by 5 s per request
    /// and by <paramref name="cancellationToken"/>.
    /// </summary>
    private async Task AdaptToMockClusterAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(5);
        bool mock = _embedded is not null;
        IAdminClient? admin = null;
        try
        {
            if (!mock)
            {
                var settings = AdminSettings();
                mock = await Task.Run(() => MockClusterCheck.IsMock(BootstrapServers, timeout, settings), cancellationToken).WaitAsync(cancellationToken);
                if (!mock) return;
                _onMockCluster = true;
                var config = new AdminClientConfig(settings) { BootstrapServers = BootstrapServers, ClientId = _settings.ApplicationId + "-preflight" };
                admin = new AdminClientBuilder(config).SetErrorHandler((_, _) => { }).SetLogHandler((_, _) => { }).Build();
            }
            if (MockClusterCheck.UseShortSessionTimeout(_settings.Streams) is { } set)
                _log.LogInformation("Kafka at {Bootstrap} is librdkafka's mock cluster: using {Settings} (the mock holds a rejoin for session.timeout.ms - 1 s after the last member leaves); set kafka.consumer.session.timeout.ms to choose another", BootstrapServers, set);
            if (admin is not null)
            {
                var missing = await Task.Run(() => MockClusterCheck.MissingTopics(admin, _settings, timeout), cancellationToken).WaitAsync(cancellationToken);
                if (missing.Count > 0) throw new JobStartException(MockClusterCheck.MissingTopicsMessage(BootstrapServers, _settings, missing));
            }
        }
        catch (KafkaException)
        {
            // Not answering: the stream threads and the broker probe report that; nothing to adapt.
        }
        finally
        {
            admin?.Dispose();
        }
    }

    /// <summary>
    /// Every 2 s asks a broker for metadata. The stream threads retry through an outage on their own (librdkafka
    /// reconnects, commits fail and are retried) and stay Running, so this probe is what makes <c>/readyz</c> and
    /// <c>job_kafka_reachable</c> say that the brokers are gone.
    /// </summary>
    private void ProbeKafka(CancellationToken stop)
    {
        var config = new AdminClientConfig(AdminSettings()) { BootstrapServers = BootstrapServers, ClientId = _settings.ApplicationId + "-probe" };
        using var admin = new AdminClientBuilder(config).SetErrorHandler((_, _) => { }).SetLogHandler((_, _) => { }).Build();
        while (!stop.IsCancellationRequested)
        {
            bool reachable;
            try
            {
                reachable = admin.GetMetadata(TimeSpan.FromSeconds(3)).Brokers.Count > 0;
            }
            catch (KafkaException)
            {
                reachable = false;
            }
            if (!reachable && _kafkaReachable == 1)
            {
                _kafkaUnreachableSince = _time.GetUtcNow();
                _kafkaReachable = 0;
                Interlocked.Increment(ref _kafkaOutages);
                _log.LogWarning("Kafka brokers at {Bootstrap} are unreachable; not ready until they answer again (the stream threads keep retrying)", BootstrapServers);
            }
            else if (reachable && _kafkaReachable == 0)
            {
                _kafkaReachable = 1;
                _log.LogInformation("Kafka brokers reachable again after {Outage}", _time.GetUtcNow() - _kafkaUnreachableSince);
            }
            stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>Readiness: running, partitions assigned, every store restored.</summary>
    private ReadinessResult CheckStreams()
    {
        var streams = Streams;
        if (streams is null) return ReadinessResult.NotReady("not started");
        if (_kafkaReachable == 0) return ReadinessResult.NotReady($"Kafka brokers unreachable since {_kafkaUnreachableSince:O}");
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
            { DeadLetterHeaders.ErrorReason, Encoding.UTF8.GetBytes(doc.Reason) },
            { DeadLetterHeaders.ErrorKind, Encoding.UTF8.GetBytes("sink:elasticsearch:" + doc.ErrorType) },
            { "x-sink-index", Encoding.UTF8.GetBytes(doc.Index) },
            { "x-sink-document-id", Encoding.UTF8.GetBytes(doc.Id) },
            { "x-sink-status", Encoding.UTF8.GetBytes(doc.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        };
        _deadLetterProducer.ProduceAsync(_settings.ApplicationId + DeadLetterHeaders.TopicSuffix,
            new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(doc.Id), Value = doc.Source.ToArray(), Headers = headers }).GetAwaiter().GetResult();
    }

    private Dictionary<string, string> AdminSettings()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in _settings.Streams.Values)
            if (kv.Key.StartsWith(StreamsConfig.AdminPrefix, StringComparison.Ordinal)) result[kv.Key[StreamsConfig.AdminPrefix.Length..]] = kv.Value;
        return result;
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
            // A sink that is down is expected here (its reason says which): the reason, without a stack trace.
            catch (Exception e) when (e is ElasticsearchException or BulkIndexException or HttpRequestException or IOException)
            {
                _log.LogWarning("final flush of {Sink} failed ({Reason}); its offsets were not committed and will be re-read", sink.GetType().Name, e.Message);
            }
            catch (Exception e) { _log.LogWarning(e, "final flush of {Sink} failed; its offsets were not committed and will be re-read", sink.GetType().Name); }
        }
        return clean;
    }

    public async ValueTask DisposeAsync()
    {
        await _probeStop.CancelAsync();
        if (_probe is not null) await _probe;
        if (_elasticsearchStart is not null) await _elasticsearchStart;
        _probeStop.Dispose();
        if (Streams is not null) await Streams.DisposeAsync();
        if (MetricsServer is not null) await MetricsServer.DisposeAsync();
        foreach (var d in _disposables) await d.DisposeAsync();
        FileSink?.Dispose();
        _deadLetterProducer?.Flush(TimeSpan.FromSeconds(10));
        _deadLetterProducer?.Dispose();
        _collector?.Dispose();
        _derived?.Dispose();
        _meter.Dispose();
        if (_embedded is not null && _settings.UsesEmbeddedKafka) _embedded.Dispose();
    }
}
