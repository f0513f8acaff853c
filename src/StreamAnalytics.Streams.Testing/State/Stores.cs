using StreamAnalytics.Streams.State;
using StreamAnalytics.Streams.Testing.State.Internals;

namespace StreamAnalytics.Streams.Testing.State;

/// <summary>
/// Factory of store builders (Kafka Streams' <c>Stores</c>) for tests of the runtime: the engine's own stores
/// (<c>OpenTraceStore</c>, <c>WindowStore</c>) implement <see cref="IStateStore"/> themselves.
/// </summary>
public static class Stores
{
    /// <summary>
    /// An in-memory key-value store, layered as in Kafka Streams: a typed layer that serializes with the serdes, over a
    /// change-logging layer that writes to the inner store first and then appends the change to the changelog (a delete
    /// is a tombstone), over a byte-keyed dictionary. Restore replays the changelog into the dictionary.
    /// </summary>
    public static StoreBuilder<IKeyValueStore<TKey, TValue>> InMemoryKeyValueStore<TKey, TValue>(string name, Serde<TKey> keySerde, Serde<TValue> valueSerde)
    {
        ArgumentNullException.ThrowIfNull(keySerde);
        ArgumentNullException.ThrowIfNull(valueSerde);
        return new StoreBuilder<IKeyValueStore<TKey, TValue>>(name, logging =>
        {
            IKeyValueStore<byte[], byte[]> bytes = new InMemoryKeyValueStore(name);
            if (logging) bytes = new ChangeLoggingKeyValueStore(bytes);
            return new MeteredKeyValueStore<TKey, TValue>(bytes, keySerde, valueSerde);
        });
    }
}
