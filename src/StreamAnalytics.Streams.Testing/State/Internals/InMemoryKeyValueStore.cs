using System.Diagnostics.CodeAnalysis;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Testing.State.Internals;

/// <summary>
/// The innermost store layer: a dictionary from key bytes to value bytes. It does not log; a change-logging decorator
/// around it does. Its restore callback writes straight into the dictionary. Not thread-safe (task-local).
/// </summary>
internal sealed class InMemoryKeyValueStore : IKeyValueStore<byte[], byte[]>
{
    private readonly Dictionary<byte[], byte[]> _map = new(ByteArrayComparer.Instance);
    private bool _open;

    public InMemoryKeyValueStore(string name) => Name = name;

    public string Name { get; }

    public bool LoggingEnabled => false;

    public long ApproximateNumEntries => _map.Count;

    public void Init(IStateStoreContext context)
    {
        context.Register(this, Restore);
        _open = true;
    }

    private void Restore(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isTombstone)
    {
        if (isTombstone) _map.Remove(key.ToArray());
        else _map[key.ToArray()] = value.ToArray();
    }

    public bool TryGet(byte[] key, [MaybeNullWhen(false)] out byte[] value) => _map.TryGetValue(key, out value);

    public IEnumerable<KeyValuePair<byte[], byte[]>> All() => _map;

    public void Put(byte[] key, byte[] value)
    {
        EnsureOpen();
        if (value is null) _map.Remove(key);
        else _map[key] = value;
    }

    public bool Delete(byte[] key)
    {
        EnsureOpen();
        return _map.Remove(key);
    }

    public void Flush() { }

    public void Close()
    {
        _open = false;
        _map.Clear();
    }

    private void EnsureOpen()
    {
        if (!_open) throw new InvalidOperationException($"store '{Name}' is not open (not initialised, or its task was closed)");
    }
}
