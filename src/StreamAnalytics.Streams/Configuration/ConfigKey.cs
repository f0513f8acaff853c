using System.Globalization;

namespace StreamAnalytics.Streams.Configuration;

/// <summary>The type of a configuration value, used to validate it before anything starts.</summary>
public enum ConfigValueType
{
    String,
    Integer,
    Boolean,
    /// <summary>One of <see cref="ConfigKey.AllowedValues"/>.</summary>
    Enum,
    /// <summary>Comma-separated strings.</summary>
    List,
    /// <summary>host:port.</summary>
    Endpoint,
}

/// <summary>
/// One documented configuration key: its type, default, bounds, doc text and whether it is a secret. Each component's
/// config class publishes its keys as a static <c>Keys</c> list built from its own default instance (as Kafka's
/// <c>ConfigDef</c> and confluent-kafka-dotnet's generated config do), so the default a job documents is, by
/// construction, the default the component applies; the job registry only lists them.
/// </summary>
/// <param name="Name">Dotted key, e.g. <c>assembly.gap.ms</c>.</param>
/// <param name="Type">How the value is validated.</param>
/// <param name="Default">Default as text, empty when the key is optional without a default, null when it is required.</param>
/// <param name="Description">One sentence for the configuration reference.</param>
public sealed record ConfigKey(string Name, ConfigValueType Type, string? Default, string Description)
{
    public IReadOnlyList<string> AllowedValues { get; init; } = [];
    public long Min { get; init; } = long.MinValue;
    public long Max { get; init; } = long.MaxValue;
    /// <summary>Secrets are never printed, logged or exported.</summary>
    public bool Secret { get; init; }

    /// <summary>An integer key with its default and inclusive bounds.</summary>
    public static ConfigKey Integer(string name, long defaultValue, long min, long max, string description) =>
        new(name, ConfigValueType.Integer, defaultValue.ToString(CultureInfo.InvariantCulture), description) { Min = min, Max = max };

    /// <summary>An integer key that may be left empty (no default: the component then applies no limit or derives one).</summary>
    public static ConfigKey OptionalInteger(string name, long min, long max, string description) =>
        new(name, ConfigValueType.Integer, "", description) { Min = min, Max = max };

    public static ConfigKey Boolean(string name, bool defaultValue, string description) =>
        new(name, ConfigValueType.Boolean, defaultValue ? "true" : "false", description);

    public static ConfigKey Text(string name, string? defaultValue, string description) =>
        new(name, ConfigValueType.String, defaultValue, description);

    public static ConfigKey OneOf(string name, string defaultValue, IReadOnlyList<string> allowed, string description) =>
        new(name, ConfigValueType.Enum, defaultValue, description) { AllowedValues = allowed };

    /// <summary>A comma-separated list; with <paramref name="allowed"/> every item must be one of them.</summary>
    public static ConfigKey ListOf(string name, IEnumerable<string> defaultValue, string description, IReadOnlyList<string>? allowed = null) =>
        new(name, ConfigValueType.List, string.Join(",", defaultValue), description) { AllowedValues = allowed ?? [] };

    /// <summary>The key named <paramref name="name"/> in <paramref name="keys"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such key (a programming error in a registry).</exception>
    public static ConfigKey Find(IReadOnlyList<ConfigKey> keys, string name)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
            if (key.Name == name) return key;
        throw new KeyNotFoundException($"no configuration key '{name}'");
    }
}
