using System.Buffers.Binary;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// Turns a <see cref="SimulatedSystem"/> into a stream of realistic traces on a virtual clock. Everything, from trace ids to latencies,
/// comes from one <see cref="Random"/> seeded by the caller, and time only from the start time given: two generators built with the same
/// topology, seed and start time produce identical spans.
/// </summary>
/// <remarks>
/// <para>Not thread-safe: one generator per thread. Each trace is a new list that the caller owns.</para>
/// <para>
/// Timing invariants: a child starts at or after its parent's start and ends at or before its parent's end, with two deliberate
/// exceptions. CONSUMER spans start after their PRODUCER span ended (delivery is asynchronous) and may outlive the root. A fraction
/// (<see cref="ClockSkewSettings.Fraction"/>) of SERVER spans, with their subtrees, lie just outside their CLIENT span, as a skewed
/// host clock would place them.
/// </para>
/// </remarks>
public sealed class TraceGenerator
{
    private const double NanosPerMs = 1_000_000;

    // z-score of the 99th percentile of a standard normal: sigma = ln(p99 / median) / z99 for a log-normal.
    private const double Z99 = 2.3263478740408408;

    private readonly SimulatedSystem _system;
    private readonly Random _random;
    private readonly long _startUnixNanos;
    private readonly Dictionary<string, ServiceDefinition> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, OperationDefinition>> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DatabaseDefinition> _databases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TopicDefinition> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _publishNames = new(StringComparer.Ordinal);
    private readonly double[] _cumulativeWeights;
    private readonly double _totalWeight;
    private readonly byte[] _idBytes = new byte[16];
    private readonly HashSet<ulong> _spanIds = [];
    private readonly List<IncidentDefinition> _activeIncidents = [];
    private List<Draft> _drafts = [];
    private string _traceId = "";
    private bool _truncated;
    private long _clockUnixNanos;

    /// <summary>Creates a generator; the first trace starts one inter-arrival time after <paramref name="startUnixNanos"/>.</summary>
    /// <param name="system">The system to simulate; validated here.</param>
    /// <param name="seed">Seed of the only source of randomness.</param>
    /// <param name="startUnixNanos">Virtual start time, in nanoseconds since the Unix epoch; incident offsets count from it.</param>
    /// <exception cref="SimulatedSystemException">The topology is invalid.</exception>
    public TraceGenerator(SimulatedSystem system, int seed, long startUnixNanos)
    {
        ArgumentNullException.ThrowIfNull(system);
        system.Validate();
        _system = system;
        _random = new Random(seed);
        _startUnixNanos = startUnixNanos;
        _clockUnixNanos = startUnixNanos;

        foreach (ServiceDefinition service in system.Services)
        {
            _services[service.Name] = service;
            var operations = new Dictionary<string, OperationDefinition>(StringComparer.Ordinal);
            foreach (OperationDefinition operation in service.Operations)
            {
                operations[operation.Name] = operation;
            }

            _operations[service.Name] = operations;
        }

        foreach (DatabaseDefinition database in system.Databases)
        {
            _databases[database.Name] = database;
        }

        foreach (TopicDefinition topic in system.Topics)
        {
            _topics[topic.Name] = topic;
            _publishNames[topic.Name] = $"{topic.Name} publish";
        }

        _cumulativeWeights = new double[system.EntryPoints.Count];
        for (int i = 0; i < _cumulativeWeights.Length; i++)
        {
            _totalWeight += system.EntryPoints[i].Weight;
            _cumulativeWeights[i] = _totalWeight;
        }
    }

    /// <summary>The system being simulated.</summary>
    public SimulatedSystem SimulatedSystem => _system;

    /// <summary>Start time of the latest trace (the virtual clock), in nanoseconds since the Unix epoch; a pacer compares it with wall-clock time.</summary>
    public long VirtualNowUnixNanos => _clockUnixNanos;

    /// <summary>Traces returned so far.</summary>
    public long TracesGenerated { get; private set; }

    /// <summary>Spans returned so far.</summary>
    public long SpansGenerated { get; private set; }

    /// <summary>Traces that reached <see cref="SimulatedSystem.MaxSpansPerTrace"/> and so lack some calls.</summary>
    public long TruncatedTraces { get; private set; }

    /// <summary>
    /// Advances the virtual clock by an exponential inter-arrival time (mean 1 / <see cref="SimulatedSystem.TracesPerSecond"/>) and
    /// generates one trace starting then.
    /// </summary>
    /// <returns>
    /// The trace's spans in the order a tracer exports them: by end time, so a parent follows its children. Exactly one span (the
    /// entry point's SERVER span) has no parent.
    /// </returns>
    public IReadOnlyList<LogicalSpan> NextTrace()
    {
        // Inverse-CDF sampling of an exponential; 1 - u is in (0, 1], so the logarithm is finite.
        double gapSeconds = -Math.Log(1 - _random.NextDouble()) / _system.TracesPerSecond;
        _clockUnixNanos += (long)(gapSeconds * 1e9);
        long traceStart = _clockUnixNanos;

        _activeIncidents.Clear();
        foreach (IncidentDefinition incident in _system.Incidents)
        {
            if (incident.IsActiveAt(traceStart - _startUnixNanos))
            {
                _activeIncidents.Add(incident);
            }
        }

        _traceId = NewTraceId();
        _spanIds.Clear();
        _drafts = new List<Draft>(16);
        _truncated = false;

        EntryPointDefinition entry = PickEntryPoint();
        ServiceDefinition service = _services[entry.Service];
        RunOperation(service, _operations[service.Name][entry.Operation], SpanKind.Server, null, traceStart, null, 0, out _);

        TracesGenerated++;
        SpansGenerated += _drafts.Count;
        if (_truncated)
        {
            TruncatedTraces++;
        }

        return Export(_drafts, _traceId);
    }

    /// <summary>The next <paramref name="count"/> traces, lazily.</summary>
    public IEnumerable<IReadOnlyList<LogicalSpan>> Traces(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (long i = 0; i < count; i++)
        {
            yield return NextTrace();
        }
    }

    /// <summary>
    /// Spans of whole traces, lazily, until at least <paramref name="minimumCount"/> spans were yielded. The last trace is never cut,
    /// so that every trace downstream can complete; the total may exceed the minimum by less than one trace.
    /// </summary>
    public IEnumerable<LogicalSpan> Spans(long minimumCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumCount);
        long yielded = 0;
        while (yielded < minimumCount)
        {
            IReadOnlyList<LogicalSpan> trace = NextTrace();
            for (int i = 0; i < trace.Count; i++)
            {
                yield return trace[i];
            }

            yielded += trace.Count;
        }
    }

    /// <summary>Runs one operation: its span, its own work split around its calls, and the calls. Returns the span, completed.</summary>
    private Draft RunOperation(
        ServiceDefinition service,
        OperationDefinition operation,
        SpanKind kind,
        Draft? parent,
        long startNanos,
        CallDefinition? recursiveCall,
        int recursiveDepth,
        out bool failed)
    {
        Draft span = NewSpan(service.Name, operation.Name, kind, parent, startNanos);
        Degradation degradation = DegradationOf(service.Name, operation.Name);
        long selfNanos = SampleNanos(operation.Latency) + (long)(degradation.ExtraLatencyMs * NanosPerMs);

        // Some work happens before the first call (parsing, auth) and the rest after the last one (rendering, serialising).
        long beforeCalls = (long)(selfNanos * (0.2 + (0.4 * _random.NextDouble())));
        long cursor = startNanos + beforeCalls;
        long stepStart = cursor;
        bool callFailed = false;
        int callCount = operation.Calls.Count + (recursiveCall is null ? 0 : 1);
        for (int c = 0; c < callCount; c++)
        {
            bool isRecursion = c == operation.Calls.Count;
            CallDefinition call = isRecursion ? recursiveCall! : operation.Calls[c];
            int depth = isRecursion ? recursiveDepth : call.Depth;
            if (call.Probability < 1 && _random.NextDouble() >= call.Probability)
            {
                continue;
            }

            if (!call.WithPrevious)
            {
                stepStart = cursor;
            }

            int repeats = call.Repeat.Min == call.Repeat.Max ? call.Repeat.Min : _random.Next(call.Repeat.Min, call.Repeat.Max + 1);
            long nextStart = stepStart;
            for (int r = 0; r < repeats; r++)
            {
                if (_drafts.Count + MinimumSpans(call) > _system.MaxSpansPerTrace)
                {
                    _truncated = true;
                    break;
                }

                long callEnd = MakeCall(service, span, call, depth, nextStart, out bool thisCallFailed);
                callFailed |= thisCallFailed;
                cursor = Math.Max(cursor, callEnd);

                // A fan-out issues its requests a few microseconds apart; a loop waits for each reply, then spends a little time on it.
                nextStart = call.Concurrency == CallConcurrency.Parallel
                    ? nextStart + NanosBetween(5_000, 50_000)
                    : callEnd + NanosBetween(10_000, 100_000);
            }
        }

        long endNanos = cursor + (selfNanos - beforeCalls);
        double ownErrorRate = 1 - ((1 - operation.ErrorRate) * (1 - degradation.ErrorRate));
        failed = Chance(ownErrorRate) || (callFailed && Chance(_system.ErrorPropagation));
        span.DurationNanos = endNanos - startNanos;
        span.Error = failed;
        if (operation.Protocol == CallProtocol.Http)
        {
            span.HttpStatusCode = failed ? 500 : 200;
        }

        return span;
    }

    /// <summary>Makes one call starting at <paramref name="startNanos"/>; returns when the caller has its answer.</summary>
    private long MakeCall(ServiceDefinition caller, Draft callerSpan, CallDefinition call, int depth, long startNanos, out bool failed)
    {
        if (call.Service is not null)
        {
            ServiceDefinition callee = _services[call.Service];
            OperationDefinition target = _operations[call.Service][call.Operation!];
            CallDefinition? again = depth > 1 ? call : null;
            if (target.Kind == OperationKind.Internal)
            {
                return RunOperation(callee, target, SpanKind.Internal, callerSpan, startNanos, again, depth - 1, out failed).EndNanos;
            }

            Draft client = NewSpan(caller.Name, target.Name, SpanKind.Client, callerSpan, startNanos);
            client.PeerService = callee.Name;
            client.ServerAddress = callee.Name;
            int serverIndex = _drafts.Count;
            long serverStart = startNanos + SampleNanos(_system.NetworkLatency);
            Draft server = RunOperation(callee, target, SpanKind.Server, client, serverStart, again, depth - 1, out bool serverFailed);
            long clientEnd = server.EndNanos + SampleNanos(_system.NetworkLatency);
            failed = serverFailed && Chance(_system.ErrorPropagation);
            client.DurationNanos = clientEnd - startNanos;
            client.Error = failed;
            client.HttpStatusCode = server.HttpStatusCode;
            MaybeSkew(client, serverIndex);
            return clientEnd;
        }

        if (call.Database is not null)
        {
            DatabaseDefinition database = _databases[call.Database];
            Degradation degradation = DegradationOf(database.Name, null);
            Draft query = NewSpan(caller.Name, call.Operation!, SpanKind.Client, callerSpan, startNanos);
            query.PeerService = database.Name;
            query.ServerAddress = database.Address ?? database.Name;
            query.DbSystem = database.System;
            query.DbName = database.DbName;
            query.DurationNanos = SampleNanos(database.Latency) + (long)(degradation.ExtraLatencyMs * NanosPerMs);
            failed = Chance(1 - ((1 - database.ErrorRate) * (1 - degradation.ErrorRate)));
            query.Error = failed;
            return query.EndNanos;
        }

        TopicDefinition topic = _topics[call.Topic!];
        Draft producer = NewSpan(caller.Name, call.Operation ?? _publishNames[topic.Name], SpanKind.Producer, callerSpan, startNanos);
        producer.MessagingSystem = topic.System;
        producer.PeerService = topic.System;
        producer.ServerAddress = topic.Address ?? topic.System;
        producer.DurationNanos = SampleNanos(topic.PublishLatency);
        foreach (ConsumerDefinition consumer in topic.Consumers)
        {
            if (_drafts.Count + 1 > _system.MaxSpansPerTrace)
            {
                _truncated = true;
                break;
            }

            long deliveredAt = producer.EndNanos + SampleNanos(topic.DeliveryDelay);
            ServiceDefinition service = _services[consumer.Service];
            Draft received = RunOperation(service, _operations[service.Name][consumer.Operation], SpanKind.Consumer, producer, deliveredAt, null, 0, out _);
            received.MessagingSystem = topic.System;
        }

        // Asynchronous: the publisher only waits for the broker's acknowledgement, and a consumer's failure never reaches it.
        failed = false;
        return producer.EndNanos;
    }

    /// <summary>
    /// With probability <see cref="ClockSkewSettings.Fraction"/>, moves the server span at <paramref name="serverIndex"/> and its whole
    /// subtree (every draft after it, since spans are created depth-first) just before or just after its client span. The subtree moves
    /// together because a skewed clock belongs to a host, so the server's own children still look consistent with it.
    /// </summary>
    private void MaybeSkew(Draft client, int serverIndex)
    {
        ClockSkewSettings skew = _system.ClockSkew;
        if (!Chance(skew.Fraction))
        {
            return;
        }

        Draft server = _drafts[serverIndex];
        long distance = Math.Max(1, (long)(skew.MaxMs * NanosPerMs * (0.2 + (0.8 * _random.NextDouble()))));
        long offset = _random.Next(2) == 0
            ? client.StartNanos - server.StartNanos - distance
            : client.EndNanos - server.EndNanos + distance;
        for (int i = serverIndex; i < _drafts.Count; i++)
        {
            _drafts[i].StartNanos += offset;
        }
    }

    /// <summary>Spans a call makes even if its callee makes no calls: checked before the call, so a trace never exceeds the cap.</summary>
    private int MinimumSpans(CallDefinition call) =>
        call.Service is not null && _operations[call.Service][call.Operation!].Kind != OperationKind.Internal ? 2 : 1;

    private Draft NewSpan(string service, string operation, SpanKind kind, Draft? parent, long startNanos)
    {
        var span = new Draft
        {
            Index = _drafts.Count,
            SpanId = NewSpanId(),
            ParentSpanId = parent?.SpanId,
            Service = service,
            Operation = operation,
            Kind = kind,
            StartNanos = startNanos,
        };
        _drafts.Add(span);
        return span;
    }

    private Degradation DegradationOf(string service, string? operation)
    {
        var degradation = default(Degradation);
        foreach (IncidentDefinition incident in _activeIncidents)
        {
            if (incident.Service == service && (incident.Operation is null || operation is null || incident.Operation == operation))
            {
                degradation = new Degradation(
                    degradation.ExtraLatencyMs + incident.ExtraLatencyMs,
                    1 - ((1 - degradation.ErrorRate) * (1 - incident.ErrorRate)));
            }
        }

        return degradation;
    }

    private EntryPointDefinition PickEntryPoint()
    {
        double pick = _random.NextDouble() * _totalWeight;
        for (int i = 0; i < _cumulativeWeights.Length; i++)
        {
            // Strictly below, so that an entry point of weight 0 (same cumulative value as the one before it) is never picked.
            if (pick < _cumulativeWeights[i])
            {
                return _system.EntryPoints[i];
            }
        }

        // Only reachable through rounding when pick lands on the total: take the last entry point that has a weight.
        for (int i = _cumulativeWeights.Length - 1; ; i--)
        {
            if (_system.EntryPoints[i].Weight > 0)
            {
                return _system.EntryPoints[i];
            }
        }
    }

    private long SampleNanos(LatencyDistribution latency)
    {
        double mu = Math.Log(latency.MedianMs);
        double sigma = (Math.Log(latency.P99Ms) - mu) / Z99;

        // Box–Muller; 1 - u is in (0, 1], so the logarithm is finite.
        double z = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
        double ms = Math.Exp(mu + (sigma * z));

        // At least a microsecond, so that no span has a zero or negative duration.
        return Math.Max(1_000, (long)(ms * NanosPerMs));
    }

    private long NanosBetween(long min, long max) => _random.NextInt64(min, max);

    private bool Chance(double probability) => probability > 0 && (probability >= 1 || _random.NextDouble() < probability);

    private string NewTraceId()
    {
        Span<byte> bytes = _idBytes.AsSpan(0, 16);
        do
        {
            _random.NextBytes(bytes);
        }
        while (bytes.IndexOfAnyExcept((byte)0) < 0); // all zeroes is the invalid trace id in every format

        return Convert.ToHexStringLower(bytes);
    }

    private string NewSpanId()
    {
        Span<byte> bytes = _idBytes.AsSpan(0, 8);
        ulong id;
        do
        {
            _random.NextBytes(bytes);
            id = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        }
        while (id == 0 || !_spanIds.Add(id));

        return Convert.ToHexStringLower(bytes);
    }

    private static List<LogicalSpan> Export(List<Draft> drafts, string traceId)
    {
        var ordered = drafts.ToArray();

        // By end time, as a tracer exports finished spans; creation order breaks ties so that the order is total and reproducible.
        Array.Sort(ordered, static (a, b) => a.EndNanos != b.EndNanos ? a.EndNanos.CompareTo(b.EndNanos) : a.Index.CompareTo(b.Index));
        var spans = new List<LogicalSpan>(ordered.Length);
        foreach (Draft draft in ordered)
        {
            spans.Add(draft.ToLogicalSpan(traceId));
        }

        return spans;
    }

    /// <summary>The combined effect of the incidents active on one service or database.</summary>
    private readonly record struct Degradation(double ExtraLatencyMs, double ErrorRate);

    /// <summary>A span under construction: durations are known only after the calls it waits for, and skew moves spans afterwards.</summary>
    private sealed class Draft
    {
        public int Index;
        public string SpanId = "";
        public string? ParentSpanId;
        public string Service = "";
        public string Operation = "";
        public SpanKind Kind;
        public long StartNanos;
        public long DurationNanos;
        public bool Error;
        public int HttpStatusCode;
        public string? PeerService;
        public string? ServerAddress;
        public string? DbSystem;
        public string? DbName;
        public string? MessagingSystem;

        public long EndNanos => StartNanos + DurationNanos;

        public LogicalSpan ToLogicalSpan(string traceId) => new()
        {
            TraceId = traceId,
            SpanId = SpanId,
            ParentSpanId = ParentSpanId,
            Service = Service,
            Operation = Operation,
            Kind = Kind,
            StartUnixNanos = StartNanos,
            DurationNanos = DurationNanos,
            Error = Error,
            HttpStatusCode = HttpStatusCode,
            PeerService = PeerService,
            ServerAddress = ServerAddress,
            DbSystem = DbSystem,
            DbName = DbName,
            MessagingSystem = MessagingSystem,
        };
    }
}
