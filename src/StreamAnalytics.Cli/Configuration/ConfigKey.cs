namespace StreamAnalytics.Cli.Configuration;

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

/// <summary>One documented configuration key of a job: its type, default, limits and whether it is a secret.</summary>
/// <param name="Name">Dotted key, e.g. <c>assembly.gap.ms</c>.</param>
/// <param name="Type">How the value is validated.</param>
/// <param name="Default">Default as text, or null when the key has none.</param>
/// <param name="Description">One sentence for the configuration reference.</param>
public sealed record ConfigKey(string Name, ConfigValueType Type, string? Default, string Description)
{
    public IReadOnlyList<string> AllowedValues { get; init; } = [];
    public long Min { get; init; } = long.MinValue;
    public long Max { get; init; } = long.MaxValue;
    /// <summary>Secrets are never printed, logged or exported; <see cref="JobConfiguration.Describe"/> shows <c>***</c>.</summary>
    public bool Secret { get; init; }

    /// <summary>The environment variable that overrides this key: <c>STREAMANALYTICS_</c> + upper case, dots as underscores.</summary>
    public string EnvironmentVariable => EnvironmentName(Name);

    public static string EnvironmentName(string key) => "STREAMANALYTICS_" + key.Replace('.', '_').Replace('-', '_').ToUpperInvariant();
}
