namespace StreamAnalytics.Cli.Configuration;

/// <summary>A job configuration is invalid. Each problem names the key, the value's source and what is accepted.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(IReadOnlyList<string> problems)
        : base("invalid configuration:\n  " + string.Join("\n  ", problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
