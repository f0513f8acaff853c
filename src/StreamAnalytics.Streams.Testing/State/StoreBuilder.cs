using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Testing.State;

/// <summary>
/// Describes a store for <see cref="TopologyStateStoreExtensions.AddStateStore{TStore}"/>: its name, whether it logs to
/// a changelog, and how to build one instance per task. Made by <see cref="Stores"/>.
/// </summary>
public sealed class StoreBuilder<TStore> where TStore : class, IStateStore
{
    private readonly Func<bool, TStore> _build;

    internal StoreBuilder(string name, Func<bool, TStore> build)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _build = build;
    }

    public string Name { get; }

    /// <summary>True unless <see cref="WithLoggingDisabled"/> was called.</summary>
    public bool LoggingEnabled { get; private set; } = true;

    /// <summary>No changelog: the store starts empty on every restart and partition move.</summary>
    public StoreBuilder<TStore> WithLoggingDisabled()
    {
        LoggingEnabled = false;
        return this;
    }

    /// <summary>A new, uninitialised store instance (the runtime calls this once per task).</summary>
    public TStore Build() => _build(LoggingEnabled);
}
