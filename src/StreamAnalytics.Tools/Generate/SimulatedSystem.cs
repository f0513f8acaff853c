using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// A microservice system that <see cref="TraceGenerator"/> turns into traces: services and their operations, the calls between them,
/// databases, message topics, entry points, injected incidents and clock skew. Load one from JSON (schema in
/// <c>jobs/topologies/README.md</c>) or start from <see cref="OnlineShop"/>.
/// </summary>
/// <remarks>
/// Immutable once built; copy with <c>with</c>-style helpers such as <see cref="WithTracesPerSecond"/>. Safe to share between threads
/// and generators.
/// </remarks>
public sealed partial class SimulatedSystem
{
    /// <summary>Largest allowed <see cref="RepeatRange.Max"/>: a bound on fan-out so a typo cannot make a trace of millions of spans.</summary>
    public const int MaxRepeat = 1000;

    /// <summary>Largest allowed <see cref="CallDefinition.Depth"/>.</summary>
    public const int MaxDepth = 100;

    /// <summary>A name for reports and logs.</summary>
    public string Name { get; init; } = "";

    /// <summary>Mean rate of new traces in virtual time; inter-arrival times are exponential (a Poisson process). Default 100.</summary>
    public double TracesPerSecond { get; init; } = 100;

    /// <summary>
    /// Probability, 0 to 1, that a failure crosses one hop upward: that a failed callee makes its client span fail, and that a failed
    /// call makes its caller's span fail. Below 1, some errors are handled (retried, defaulted) where they happen. Default 0.8.
    /// </summary>
    public double ErrorPropagation { get; init; } = 0.8;

    /// <summary>One-way network delay between a client span and its server span, each way.</summary>
    public LatencyDistribution NetworkLatency { get; init; } = new(0.2, 1.5);

    /// <summary>Deliberate clock skew on a small fraction of server spans.</summary>
    public ClockSkewSettings ClockSkew { get; init; } = new();

    /// <summary>
    /// Cap on spans per trace. Calls beyond it are not made, and the trace is counted in
    /// <see cref="TraceGenerator.TruncatedTraces"/>. Default 10,000.
    /// </summary>
    public int MaxSpansPerTrace { get; init; } = 10_000;

    /// <summary>Where traces start, with relative weights.</summary>
    public IReadOnlyList<EntryPointDefinition> EntryPoints { get; init; } = [];

    /// <summary>The instrumented services.</summary>
    public IReadOnlyList<ServiceDefinition> Services { get; init; } = [];

    /// <summary>Uninstrumented databases.</summary>
    public IReadOnlyList<DatabaseDefinition> Databases { get; init; } = [];

    /// <summary>Message topics and their subscribers.</summary>
    public IReadOnlyList<TopicDefinition> Topics { get; init; } = [];

    /// <summary>Latency and error injections over windows of virtual time.</summary>
    public IReadOnlyList<IncidentDefinition> Incidents { get; init; } = [];

    /// <summary>Reads and validates a topology JSON file.</summary>
    /// <exception cref="SimulatedSystemException">The file is not valid JSON for the schema, or fails <see cref="Validate"/>; the message names the key.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SimulatedSystem Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string json = File.ReadAllText(path);
        try
        {
            return Parse(json);
        }
        catch (SimulatedSystemException e)
        {
            throw new SimulatedSystemException(e.Key, $"{e.Message} (in topology file '{path}')", e);
        }
    }

    /// <summary>Parses and validates topology JSON.</summary>
    /// <exception cref="SimulatedSystemException">The JSON is malformed, has an unknown or mistyped key, or fails <see cref="Validate"/>.</exception>
    public static SimulatedSystem Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        SimulatedSystem? system;
        try
        {
            system = JsonSerializer.Deserialize<SimulatedSystem>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            // System.Text.Json's path starts with "$." and points at the key (or the object holding an unknown key).
            string key = e.Path is null ? "" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
            throw new SimulatedSystemException(key, Describe(e, key), e);
        }

        if (system is null)
        {
            throw new SimulatedSystemException("", "the topology JSON is 'null'; expected an object");
        }

        system.Validate();
        return system;
    }

    /// <summary>The topology as indented JSON in the file schema; <see cref="Parse"/> reads it back to an equal model.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Checks every reference and range, so that generation cannot fail later.</summary>
    /// <exception cref="SimulatedSystemException">The first problem found; <see cref="SimulatedSystemException.Key"/> is its JSON path.</exception>
    public void Validate() => new SimulatedSystemValidator(this).Validate();

    /// <summary>A copy with another trace rate.</summary>
    public SimulatedSystem WithTracesPerSecond(double tracesPerSecond) => Copy(tracesPerSecond: tracesPerSecond);

    /// <summary>
    /// A copy with another weight on one entry point, e.g. 0 to switch off the long and wide batch-report traces of
    /// <see cref="OnlineShop"/>, or a large weight to make them frequent.
    /// </summary>
    /// <exception cref="ArgumentException">No entry point has that service and operation.</exception>
    public SimulatedSystem WithEntryPointWeight(string service, string operation, double weight)
    {
        bool found = false;
        var entryPoints = new List<EntryPointDefinition>(EntryPoints.Count);
        foreach (EntryPointDefinition entry in EntryPoints)
        {
            if (entry.Service == service && entry.Operation == operation)
            {
                found = true;
                entryPoints.Add(new EntryPointDefinition { Service = service, Operation = operation, Weight = weight });
            }
            else
            {
                entryPoints.Add(entry);
            }
        }

        if (!found)
        {
            throw new ArgumentException($"no entry point '{service}' '{operation}' in topology '{Name}'", nameof(operation));
        }

        return Copy(entryPoints: entryPoints);
    }

    /// <summary>A copy with other clock-skew settings.</summary>
    public SimulatedSystem WithClockSkew(ClockSkewSettings clockSkew) => Copy(clockSkew: clockSkew);

    /// <summary>A copy with other incidents (an empty list for a steady system).</summary>
    public SimulatedSystem WithIncidents(IReadOnlyList<IncidentDefinition> incidents) => Copy(incidents: incidents);

    /// <summary>
    /// Mean spans per trace, measured by generating <paramref name="sampleTraces"/> traces with a private generator; use it to turn a
    /// spans-per-second target into <see cref="TracesPerSecond"/>.
    /// </summary>
    public double EstimateMeanSpansPerTrace(int sampleTraces = 2000, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleTraces, 1);
        var generator = new TraceGenerator(this, seed, 0);
        long spans = 0;
        for (int i = 0; i < sampleTraces; i++)
        {
            spans += generator.NextTrace().Count;
        }

        return (double)spans / sampleTraces;
    }

    private SimulatedSystem Copy(
        double? tracesPerSecond = null,
        ClockSkewSettings? clockSkew = null,
        IReadOnlyList<EntryPointDefinition>? entryPoints = null,
        IReadOnlyList<IncidentDefinition>? incidents = null) => new()
        {
            Name = Name,
            TracesPerSecond = tracesPerSecond ?? TracesPerSecond,
            ErrorPropagation = ErrorPropagation,
            NetworkLatency = NetworkLatency,
            ClockSkew = clockSkew ?? ClockSkew,
            MaxSpansPerTrace = MaxSpansPerTrace,
            EntryPoints = entryPoints ?? EntryPoints,
            Services = Services,
            Databases = Databases,
            Topics = Topics,
            Incidents = incidents ?? Incidents,
        };

    private static string Describe(JsonException e, string key)
    {
        // System.Text.Json's messages name .NET types; say instead what the file should contain. Its message ends with
        // " Path: $.x | LineNumber: 3 | BytePositionInLine: 7."; the key is already the prefix, and people count lines from 1.
        int pathAt = e.Message.IndexOf(" Path: ", StringComparison.Ordinal);
        string reason = pathAt >= 0 ? e.Message[..pathAt] : e.Message;
        const string ConvertedTo = "could not be converted to ";
        int convertedAt = reason.IndexOf(ConvertedTo, StringComparison.Ordinal);
        if (reason.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            string name = key[(key.LastIndexOf('.') + 1)..];
            reason = $"unknown key '{name}' (keys are camelCase; the schema is in jobs/topologies/README.md)";
        }
        else if (convertedAt >= 0)
        {
            string type = reason[(convertedAt + ConvertedTo.Length)..].TrimEnd('.');
            reason = $"invalid value; expected {Expected(type)}";
        }

        return e.LineNumber is long line ? $"{reason} (JSON line {line + 1})" : reason;
    }

    private static string Expected(string dotNetType) => dotNetType switch
    {
        "System.Double" => "a number",
        "System.Int32" => "an integer",
        "System.Boolean" => "true or false",
        "System.String" => "a string",
        _ when dotNetType.EndsWith(nameof(OperationKind), StringComparison.Ordinal) => "one of 'server', 'internal', 'consumer'",
        _ when dotNetType.EndsWith(nameof(CallProtocol), StringComparison.Ordinal) => "one of 'none', 'http', 'grpc'",
        _ when dotNetType.EndsWith(nameof(CallConcurrency), StringComparison.Ordinal) => "one of 'sequential', 'parallel'",
        _ when dotNetType.Contains("IReadOnlyList", StringComparison.Ordinal) => "an array",
        _ => "an object",
    };

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        // An unknown key is almost always a typo ("latancy"); silently ignoring it would generate a different system than the one written.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        PropertyNameCaseInsensitive = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };
}
