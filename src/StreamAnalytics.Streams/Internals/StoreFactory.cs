using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Internals;

/// <summary>A store added to the topology: what is needed to create its changelog before any task exists, and its supplier.</summary>
internal sealed class StoreFactory(string name, bool loggingEnabled, IReadOnlyDictionary<string, string> changelogConfig, Func<IStateStore> supplier)
{
    public string Name { get; } = name;

    public bool LoggingEnabled { get; } = loggingEnabled;

    public IReadOnlyDictionary<string, string> ChangelogConfig { get; } = changelogConfig;

    public Func<IStateStore> Supplier { get; } = supplier;

    public string ChangelogTopic(string applicationId) => $"{applicationId}-{Name}-changelog";
}
