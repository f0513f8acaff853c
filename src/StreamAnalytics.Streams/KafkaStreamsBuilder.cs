using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Internals;

namespace StreamAnalytics.Streams;

/// <summary>
/// Builds an <see cref="IKafkaStreams"/> from a <see cref="Topology"/> and a <see cref="StreamsConfig"/>, in the style of
/// Confluent.Kafka's builders: each Set method returns the builder and throws <see cref="InvalidOperationException"/>
/// if called twice.
/// </summary>
/// <example>
/// <code>
/// var topology = new Topology()
///     .AddSource("spans", Deserializers.Utf8, Deserializers.ByteArray, "spans")
///     .AddProcessor("count", () => new CountProcessor(), "spans")
///     .AddStateStore(() => new CountStore("counts"), "count")
///     .AddSink("out", "counts", Serializers.Utf8, Serializers.Int64, "count");
/// await using var streams = new KafkaStreamsBuilder(topology, new StreamsConfig { ApplicationId = "app", BootstrapServers = "localhost:9092" }).Build();
/// streams.Start();
/// </code>
/// </example>
public sealed class KafkaStreamsBuilder
{
    private readonly Topology _topology;
    private readonly StreamsConfig _config;
    private TimeProvider? _time;
    private ILoggerFactory? _loggerFactory;
    private Action<KafkaStreamsState, KafkaStreamsState>? _listener;
    private IDeserializationExceptionHandler? _deserializationHandler;
    private ITopicAdmin? _topicAdmin;
    private bool _lookUpTopicLimits = true;

    public KafkaStreamsBuilder(Topology topology, StreamsConfig config)
    {
        _topology = topology ?? throw new ArgumentNullException(nameof(topology));
        _config = (config ?? throw new ArgumentNullException(nameof(config))).Clone();
    }

    /// <summary>The clock of stream threads: wall-clock punctuation, commit interval, max.task.idle.ms. Default <see cref="TimeProvider.System"/>.</summary>
    public KafkaStreamsBuilder SetTimeProvider(TimeProvider time) => Set(ref _time, time, nameof(SetTimeProvider));

    /// <summary>Loggers of the runtime (categories <c>StreamAnalytics.Streams.*</c>). Default: none.</summary>
    public KafkaStreamsBuilder SetLoggerFactory(ILoggerFactory loggerFactory) => Set(ref _loggerFactory, loggerFactory, nameof(SetLoggerFactory));

    /// <summary>Called on every state change (old, new), on the thread causing it; exceptions are logged and ignored.</summary>
    public KafkaStreamsBuilder SetStateListener(Action<KafkaStreamsState, KafkaStreamsState> listener) => Set(ref _listener, listener, nameof(SetStateListener));

    /// <summary>The policy for undeserializable records. Default <see cref="DeadLetterExceptionHandler"/> (to <c>{application.id}-dlq</c>).</summary>
    public KafkaStreamsBuilder SetDeserializationExceptionHandler(IDeserializationExceptionHandler handler) =>
        Set(ref _deserializationHandler, handler, nameof(SetDeserializationExceptionHandler));

    /// <summary>How internal topics are created. Default: AdminClient with the <c>admin.</c> settings; use <c>EmbeddedTopicAdmin</c> (StreamAnalytics.Streams.Testing) for the embedded cluster.</summary>
    public KafkaStreamsBuilder SetTopicAdmin(ITopicAdmin topicAdmin) => Set(ref _topicAdmin, topicAdmin, nameof(SetTopicAdmin));

    /// <summary>
    /// Whether Start asks the brokers (<see cref="ITopicAdmin.GetMaxMessageBytes"/>) for the output topics'
    /// <c>max.message.bytes</c> to fit the producers under it. Default true; turn it off for brokers that do not
    /// implement DescribeConfigs (librdkafka's mock cluster), where the request holds Start up for its timeout.
    /// </summary>
    public KafkaStreamsBuilder SetTopicLimitLookup(bool enabled)
    {
        _lookUpTopicLimits = enabled;
        return this;
    }

    /// <summary>Validates the config and topology and builds the (not yet started) instance.</summary>
    /// <exception cref="ArgumentException">The config is invalid (the message names each bad key).</exception>
    /// <exception cref="TopologyException">The topology has no source.</exception>
    public IKafkaStreams Build()
    {
        _config.Validate();
        if (_topology.Subtopologies.Count == 0) throw new TopologyException("it has no nodes");
        return new KafkaStreams(
            _topology, _config, _time ?? TimeProvider.System, _loggerFactory ?? NullLoggerFactory.Instance,
            _deserializationHandler ?? new DeadLetterExceptionHandler(),
            _topicAdmin ?? new KafkaTopicAdmin(ClientConfigs.Admin(_config), TimeSpan.FromMilliseconds(_config.CommitTimeoutMs)),
            _listener, _lookUpTopicLimits);
    }

    private KafkaStreamsBuilder Set<T>(ref T? field, T value, string method) where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        if (field is not null) throw new InvalidOperationException($"{method} may only be called once");
        field = value;
        return this;
    }
}
