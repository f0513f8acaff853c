using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Testing.State;

/// <summary>Adds the test key-value stores of <see cref="Stores"/> to a <see cref="Topology"/>.</summary>
public static class TopologyStateStoreExtensions
{
    /// <summary>
    /// Adds a store built by <see cref="Stores"/> and connects it to processors: the topology's supplier overload, which
    /// reads the store's name, logging and changelog configs (<c>cleanup.policy=compact</c>) from an instance.
    /// </summary>
    public static Topology AddStateStore<TStore>(this Topology topology, StoreBuilder<TStore> builder, params string[] processorNames)
        where TStore : class, IStateStore
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(builder);
        return topology.AddStateStore(() => builder.Build(), processorNames);
    }
}
