namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// Checks a <see cref="SimulatedSystem"/> once, before generation, so that <see cref="TraceGenerator"/> can follow references without
/// checking them and can never recurse forever. Every message starts with the JSON path of the bad key.
/// </summary>
internal sealed class SimulatedSystemValidator
{
    private readonly SimulatedSystem _system;
    private readonly Dictionary<string, ServiceDefinition> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DatabaseDefinition> _databases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TopicDefinition> _topics = new(StringComparer.Ordinal);

    public SimulatedSystemValidator(SimulatedSystem system)
    {
        _system = system;
    }

    public void Validate()
    {
        SimulatedSystem t = _system;
        RequirePositive("tracesPerSecond", t.TracesPerSecond);
        RequireProbability("errorPropagation", t.ErrorPropagation);
        RequireLatency("networkLatency", t.NetworkLatency);
        RequireNotNull("clockSkew", t.ClockSkew);
        RequireProbability("clockSkew.fraction", t.ClockSkew.Fraction);
        if (t.ClockSkew.Fraction > 0)
        {
            RequirePositive("clockSkew.maxMs", t.ClockSkew.MaxMs);
        }

        if (t.MaxSpansPerTrace < 1)
        {
            throw new SimulatedSystemException("maxSpansPerTrace", $"must be at least 1, was {t.MaxSpansPerTrace}");
        }

        RequireNotNull("services", t.Services);
        RequireNotNull("databases", t.Databases);
        RequireNotNull("topics", t.Topics);
        RequireNotNull("entryPoints", t.EntryPoints);
        RequireNotNull("incidents", t.Incidents);
        IndexNames();

        for (int s = 0; s < t.Services.Count; s++)
        {
            ValidateService($"services[{s}]", t.Services[s]);
        }

        for (int d = 0; d < t.Databases.Count; d++)
        {
            DatabaseDefinition database = t.Databases[d];
            string key = $"databases[{d}]";
            RequireText($"{key}.system", database.System);
            RequireText($"{key}.dbName", database.DbName);
            RequireLatency($"{key}.latency", database.Latency);
            RequireProbability($"{key}.errorRate", database.ErrorRate);
        }

        for (int p = 0; p < t.Topics.Count; p++)
        {
            ValidateTopic($"topics[{p}]", t.Topics[p]);
        }

        ValidateEntryPoints();
        for (int i = 0; i < t.Incidents.Count; i++)
        {
            ValidateIncident($"incidents[{i}]", t.Incidents[i]);
        }

        RejectCycles();
    }

    private void IndexNames()
    {
        // One namespace for services, databases and topics: they all become peer.service values, and one name meaning two peers
        // would merge two nodes of the service graph.
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int s = 0; s < _system.Services.Count; s++)
        {
            ServiceDefinition service = RequireNotNull($"services[{s}]", _system.Services[s]);
            AddName(owner, $"services[{s}].name", service.Name);
            _services[service.Name] = service;
        }

        for (int d = 0; d < _system.Databases.Count; d++)
        {
            DatabaseDefinition database = RequireNotNull($"databases[{d}]", _system.Databases[d]);
            AddName(owner, $"databases[{d}].name", database.Name);
            _databases[database.Name] = database;
        }

        for (int p = 0; p < _system.Topics.Count; p++)
        {
            TopicDefinition topic = RequireNotNull($"topics[{p}]", _system.Topics[p]);
            AddName(owner, $"topics[{p}].name", topic.Name);
            _topics[topic.Name] = topic;
        }
    }

    private static void AddName(Dictionary<string, string> owner, string key, string name)
    {
        RequireText(key, name);
        if (!owner.TryAdd(name, key))
        {
            throw new SimulatedSystemException(key, $"name '{name}' is already used by {owner[name]}; services, databases and topics share one namespace");
        }
    }

    private void ValidateService(string key, ServiceDefinition service)
    {
        RequireNotNull($"{key}.operations", service.Operations);
        if (service.Operations.Count == 0)
        {
            throw new SimulatedSystemException($"{key}.operations", $"service '{service.Name}' has no operations");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int o = 0; o < service.Operations.Count; o++)
        {
            string opKey = $"{key}.operations[{o}]";
            OperationDefinition operation = RequireNotNull(opKey, service.Operations[o]);
            RequireText($"{opKey}.name", operation.Name);
            if (!names.Add(operation.Name))
            {
                throw new SimulatedSystemException($"{opKey}.name", $"service '{service.Name}' already has an operation '{operation.Name}'");
            }

            if (operation.Kind == OperationKind.Server && operation.Protocol == CallProtocol.None)
            {
                throw new SimulatedSystemException($"{opKey}.protocol", $"server operation '{operation.Name}' needs a protocol: 'http' or 'grpc'");
            }

            if (operation.Kind != OperationKind.Server && operation.Protocol != CallProtocol.None)
            {
                throw new SimulatedSystemException($"{opKey}.protocol", $"only server operations have a protocol; '{operation.Name}' is {operation.Kind.ToString().ToLowerInvariant()}");
            }

            RequireLatency($"{opKey}.latency", operation.Latency);
            RequireProbability($"{opKey}.errorRate", operation.ErrorRate);
            RequireNotNull($"{opKey}.calls", operation.Calls);
            for (int c = 0; c < operation.Calls.Count; c++)
            {
                ValidateCall($"{opKey}.calls[{c}]", service, RequireNotNull($"{opKey}.calls[{c}]", operation.Calls[c]));
            }
        }
    }

    private void ValidateCall(string key, ServiceDefinition caller, CallDefinition call)
    {
        int targets = (call.Service is null ? 0 : 1) + (call.Database is null ? 0 : 1) + (call.Topic is null ? 0 : 1);
        if (targets != 1)
        {
            throw new SimulatedSystemException(key, $"a call names exactly one of 'service', 'database' or 'topic'; this one names {targets}");
        }

        RequireProbability($"{key}.probability", call.Probability);
        RequireNotNull($"{key}.repeat", call.Repeat);
        if (call.Repeat.Min < 1 || call.Repeat.Max < call.Repeat.Min || call.Repeat.Max > SimulatedSystem.MaxRepeat)
        {
            throw new SimulatedSystemException($"{key}.repeat",
                $"needs 1 <= min <= max <= {SimulatedSystem.MaxRepeat}, was min {call.Repeat.Min}, max {call.Repeat.Max} (use 'probability' to skip a call)");
        }

        if (call.Depth < 1 || call.Depth > SimulatedSystem.MaxDepth)
        {
            throw new SimulatedSystemException($"{key}.depth", $"must be between 1 and {SimulatedSystem.MaxDepth}, was {call.Depth}");
        }

        if (call.Service is not null)
        {
            ServiceDefinition callee = FindService($"{key}.service", call.Service);
            OperationDefinition operation = FindOperation($"{key}.operation", callee, call.Operation);
            if (operation.Kind == OperationKind.Consumer)
            {
                throw new SimulatedSystemException($"{key}.operation", $"'{call.Service}' '{operation.Name}' is a consumer operation; it is reached through a topic, not called");
            }

            if (operation.Kind == OperationKind.Internal && !ReferenceEquals(callee, caller))
            {
                throw new SimulatedSystemException($"{key}.operation",
                    $"'{call.Service}' '{operation.Name}' is internal, so only '{call.Service}' itself can call it, not '{caller.Name}'");
            }

            return;
        }

        if (call.Depth != 1)
        {
            throw new SimulatedSystemException($"{key}.depth", "only service calls can recurse; database and topic calls have depth 1");
        }

        if (call.Database is not null)
        {
            if (!_databases.ContainsKey(call.Database))
            {
                throw new SimulatedSystemException($"{key}.database", $"unknown database '{call.Database}'; known: {Known(_databases.Keys)}");
            }

            RequireText($"{key}.operation", call.Operation);
            return;
        }

        if (!_topics.ContainsKey(call.Topic!))
        {
            throw new SimulatedSystemException($"{key}.topic", $"unknown topic '{call.Topic}'; known: {Known(_topics.Keys)}");
        }

        if (call.Operation is not null)
        {
            RequireText($"{key}.operation", call.Operation);
        }
    }

    private void ValidateTopic(string key, TopicDefinition topic)
    {
        RequireText($"{key}.system", topic.System);
        RequireLatency($"{key}.publishLatency", topic.PublishLatency);
        RequireLatency($"{key}.deliveryDelay", topic.DeliveryDelay);
        RequireNotNull($"{key}.consumers", topic.Consumers);
        for (int c = 0; c < topic.Consumers.Count; c++)
        {
            string consumerKey = $"{key}.consumers[{c}]";
            ConsumerDefinition consumer = RequireNotNull(consumerKey, topic.Consumers[c]);
            ServiceDefinition service = FindService($"{consumerKey}.service", consumer.Service);
            OperationDefinition operation = FindOperation($"{consumerKey}.operation", service, consumer.Operation);
            if (operation.Kind != OperationKind.Consumer)
            {
                throw new SimulatedSystemException($"{consumerKey}.operation", $"'{consumer.Service}' '{operation.Name}' must be a consumer operation to receive messages");
            }
        }
    }

    private void ValidateEntryPoints()
    {
        if (_system.EntryPoints.Count == 0)
        {
            throw new SimulatedSystemException("entryPoints", "needs at least one entry point");
        }

        double total = 0;
        for (int e = 0; e < _system.EntryPoints.Count; e++)
        {
            string key = $"entryPoints[{e}]";
            EntryPointDefinition entry = RequireNotNull(key, _system.EntryPoints[e]);
            ServiceDefinition service = FindService($"{key}.service", entry.Service);
            OperationDefinition operation = FindOperation($"{key}.operation", service, entry.Operation);
            if (operation.Kind != OperationKind.Server)
            {
                throw new SimulatedSystemException($"{key}.operation", $"'{entry.Service}' '{operation.Name}' must be a server operation to start a trace");
            }

            if (!(entry.Weight >= 0) || double.IsInfinity(entry.Weight))
            {
                throw new SimulatedSystemException($"{key}.weight", $"must be a finite number >= 0, was {entry.Weight}");
            }

            total += entry.Weight;
        }

        if (!(total > 0))
        {
            throw new SimulatedSystemException("entryPoints", "at least one entry point needs a weight above 0");
        }
    }

    private void ValidateIncident(string key, IncidentDefinition incident)
    {
        RequireNotNull(key, incident);
        if (_services.TryGetValue(incident.Service, out ServiceDefinition? service))
        {
            if (incident.Operation is not null)
            {
                FindOperation($"{key}.operation", service, incident.Operation);
            }
        }
        else if (!_databases.ContainsKey(incident.Service))
        {
            throw new SimulatedSystemException($"{key}.service", $"unknown service or database '{incident.Service}'; known: {Known(_services.Keys.Concat(_databases.Keys))}");
        }

        if (!(incident.ExtraLatencyMs >= 0) || double.IsInfinity(incident.ExtraLatencyMs))
        {
            throw new SimulatedSystemException($"{key}.extraLatencyMs", $"must be a finite number >= 0, was {incident.ExtraLatencyMs}");
        }

        RequireProbability($"{key}.errorRate", incident.ErrorRate);
        if (!(incident.StartOffsetSeconds >= 0))
        {
            throw new SimulatedSystemException($"{key}.startOffsetSeconds", $"must be >= 0, was {incident.StartOffsetSeconds}");
        }

        if (!(incident.EndOffsetSeconds > incident.StartOffsetSeconds))
        {
            throw new SimulatedSystemException($"{key}.endOffsetSeconds", $"must be after startOffsetSeconds ({incident.StartOffsetSeconds}), was {incident.EndOffsetSeconds}");
        }

        if (!(incident.PeriodSeconds >= 0) || (incident.PeriodSeconds > 0 && incident.PeriodSeconds < incident.EndOffsetSeconds))
        {
            throw new SimulatedSystemException($"{key}.periodSeconds", $"must be 0 (once) or at least endOffsetSeconds ({incident.EndOffsetSeconds}), was {incident.PeriodSeconds}");
        }
    }

    /// <summary>
    /// A call cycle (a → b → a) would make an infinite trace. Recursion is only allowed through <see cref="CallDefinition.Depth"/>,
    /// which is bounded, so the graph of operations (with topic deliveries as edges) must be acyclic.
    /// </summary>
    private void RejectCycles()
    {
        var state = new Dictionary<OperationDefinition, int>(ReferenceEqualityComparer.Instance);
        for (int s = 0; s < _system.Services.Count; s++)
        {
            ServiceDefinition service = _system.Services[s];
            for (int o = 0; o < service.Operations.Count; o++)
            {
                Visit(service, service.Operations[o], $"services[{s}].operations[{o}]", state, []);
            }
        }
    }

    private void Visit(ServiceDefinition service, OperationDefinition operation, string key, Dictionary<OperationDefinition, int> state, List<string> path)
    {
        const int Visiting = 1, Done = 2;
        state.TryGetValue(operation, out int current);
        if (current == Done)
        {
            return;
        }

        path.Add($"{service.Name} '{operation.Name}'");
        if (current == Visiting)
        {
            throw new SimulatedSystemException(key, $"call cycle {string.Join(" -> ", path)}; use a call's 'depth' for bounded recursion instead");
        }

        state[operation] = Visiting;
        for (int c = 0; c < operation.Calls.Count; c++)
        {
            CallDefinition call = operation.Calls[c];
            string callKey = $"{key}.calls[{c}]";
            if (call.Service is not null)
            {
                ServiceDefinition callee = _services[call.Service];
                OperationDefinition target = callee.Operations.First(op => op.Name == call.Operation);
                Visit(callee, target, callKey, state, path);
            }
            else if (call.Topic is not null)
            {
                foreach (ConsumerDefinition consumer in _topics[call.Topic].Consumers)
                {
                    ServiceDefinition callee = _services[consumer.Service];
                    Visit(callee, callee.Operations.First(op => op.Name == consumer.Operation), callKey, state, path);
                }
            }
        }

        state[operation] = Done;
        path.RemoveAt(path.Count - 1);
    }

    private ServiceDefinition FindService(string key, string? name)
    {
        RequireText(key, name);
        return _services.TryGetValue(name!, out ServiceDefinition? service)
            ? service
            : throw new SimulatedSystemException(key, $"unknown service '{name}'; known: {Known(_services.Keys)}");
    }

    private static OperationDefinition FindOperation(string key, ServiceDefinition service, string? name)
    {
        RequireText(key, name);
        foreach (OperationDefinition operation in service.Operations)
        {
            if (operation.Name == name)
            {
                return operation;
            }
        }

        throw new SimulatedSystemException(key, $"service '{service.Name}' has no operation '{name}'; known: {Known(service.Operations.Select(op => op.Name))}");
    }

    private static string Known(IEnumerable<string> names)
    {
        string[] sorted = names.Order(StringComparer.Ordinal).ToArray();
        return sorted.Length == 0 ? "(none)" : string.Join(", ", sorted.Select(n => $"'{n}'"));
    }

    private static T RequireNotNull<T>(string key, T? value)
        where T : class =>
        value ?? throw new SimulatedSystemException(key, "must not be null");

    private static void RequireText(string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new SimulatedSystemException(key, "is required and must not be empty");
        }
    }

    private static void RequirePositive(string key, double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new SimulatedSystemException(key, $"must be a finite number > 0, was {value}");
        }
    }

    private static void RequireProbability(string key, double value)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new SimulatedSystemException(key, $"must be a probability between 0 and 1, was {value}");
        }
    }

    private static void RequireLatency(string key, LatencyDistribution? latency)
    {
        RequireNotNull(key, latency);
        RequirePositive($"{key}.medianMs", latency!.MedianMs);
        if (!(latency.P99Ms >= latency.MedianMs) || double.IsInfinity(latency.P99Ms))
        {
            throw new SimulatedSystemException($"{key}.p99Ms", $"must be at least medianMs ({latency.MedianMs}), was {latency.P99Ms}");
        }
    }
}
