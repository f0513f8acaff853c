using System.Diagnostics.CodeAnalysis;

namespace StreamAnalytics.Streams.Testing.State;

/// <summary>Reads from a key-value store. Task-local: use it only on the task's thread.</summary>
public interface IReadOnlyKeyValueStore<TKey, TValue>
{
    /// <summary>The value stored for <paramref name="key"/>, if any.</summary>
    bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value);

    /// <summary>Every entry, in no particular order. Do not modify the store while enumerating.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> All();

    /// <summary>The number of entries (exact for the in-memory store).</summary>
    long ApproximateNumEntries { get; }
}
