namespace StreamAnalytics.Streams.State;

/// <summary>
/// Describes a store for <see cref="Topology.AddStateStore{TStore}"/>: its name, whether it logs to a changelog, the
/// changelog's topic configs, and how to build one instance per task. Made by <see cref="Stores"/>.
/// </summary>
public sealed class StoreBuilder<TStore> where TStore : class, IStateStore
{
    private readonly Func<bool, TStore> _build;
    private readonly Dictionary<string, string> _changelogConfig = new(StringComparer.Ordinal) { ["cleanup.policy"] = "compact" };

    internal StoreBuilder(string name, Func<bool, TStore> build)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _build = build;
    }

    public string Name { get; }

    /// <summary>True unless <see cref="WithLoggingDisabled"/> was called.</summary>
    public bool LoggingEnabled { get; private set; } = true;

    /// <summary>Topic configs of the changelog; <c>cleanup.policy=compact</c> unless replaced.</summary>
    public IReadOnlyDictionary<string, string> ChangelogConfig => _changelogConfig;

    /// <summary>No changelog: the store starts empty on every restart and partition move.</summary>
    public StoreBuilder<TStore> WithLoggingDisabled()
    {
        LoggingEnabled = false;
        return this;
    }

    /// <summary>Sets changelog topic configs (e.g. <c>cleanup.policy=delete</c>, <c>retention.ms</c>; see <see cref="IChangelogTopicConfig"/>).</summary>
    public StoreBuilder<TStore> WithChangelogConfig(IReadOnlyDictionary<string, string> config)
    {
        foreach (var kv in config) _changelogConfig[kv.Key] = kv.Value;
        return this;
    }

    /// <summary>A new, uninitialised store instance (the runtime calls this once per task).</summary>
    public TStore Build() => _build(LoggingEnabled);
}
