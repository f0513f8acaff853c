namespace StreamAnalytics.Formats.Model;

/// <summary>
/// Remembers a value computed from a string, keyed by the string <em>instance</em>: for names interned by
/// <see cref="StringTable"/>, which come back as the same objects span after span, so a lookup is a reference hash
/// instead of hashing and comparing text. An equal string that is another instance is computed again.
/// </summary>
/// <remarks>
/// Bounded: when <c>capacity</c> values are held, the next new one clears the memo first, so strings that were not
/// interned cost a recomputation, never unbounded memory. Not thread-safe: hold one per thread (<c>[ThreadStatic]</c>).
/// </remarks>
public sealed class IdentityMemo<TValue>(int capacity)
{
    private readonly Dictionary<string, TValue> _values = new(ReferenceEqualityComparer.Instance);

    /// <summary>Values held now (at most the capacity).</summary>
    public int Count => _values.Count;

    /// <summary>The value remembered for this instance of <paramref name="key"/>, else <paramref name="compute"/>'s, remembered.</summary>
    public TValue Get(string key, Func<string, TValue> compute)
    {
        if (_values.TryGetValue(key, out TValue? value)) return value;
        value = compute(key);
        if (_values.Count >= capacity) _values.Clear();
        _values[key] = value;
        return value;
    }
}
