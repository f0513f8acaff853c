using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Testing.State;

/// <summary>
/// A key-value state store. Writes are logged to the store's changelog (when logging is enabled) and survive restarts
/// and partition moves: the runtime replays the changelog into the store before the task's processors run again.
/// </summary>
/// <remarks>Task-local and single-threaded: use it only from the processor's <c>Process</c>, punctuators and <c>Init</c>.</remarks>
public interface IKeyValueStore<TKey, TValue> : IReadOnlyKeyValueStore<TKey, TValue>, IStateStore
{
    /// <summary>Inserts or replaces; a null value deletes the key (as in Kafka Streams).</summary>
    void Put(TKey key, TValue value);

    /// <summary>Removes the key; returns whether it was present. Logged as a tombstone either way.</summary>
    bool Delete(TKey key);
}
