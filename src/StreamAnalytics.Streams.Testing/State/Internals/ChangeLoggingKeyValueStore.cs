using System.Diagnostics.CodeAnalysis;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Testing.State.Internals;

/// <summary>
/// Decorator that logs every change of the inner byte store to the changelog: it writes to the inner store first, then
/// appends (so a failing inner write is never logged), and a delete is appended as a tombstone. Restore bypasses this
/// layer (the inner store registers its own callback), so replayed records are not logged again.
/// </summary>
internal sealed class ChangeLoggingKeyValueStore : IKeyValueStore<byte[], byte[]>, IChangelogTopicConfig
{
    private static readonly IReadOnlyDictionary<string, string> Compact = new Dictionary<string, string> { ["cleanup.policy"] = "compact" };

    private readonly IKeyValueStore<byte[], byte[]> _inner;
    private IChangelog? _changelog;

    public ChangeLoggingKeyValueStore(IKeyValueStore<byte[], byte[]> inner) => _inner = inner;

    public string Name => _inner.Name;

    public bool LoggingEnabled => true;

    public IReadOnlyDictionary<string, string> ChangelogTopicConfig => Compact;

    public long ApproximateNumEntries => _inner.ApproximateNumEntries;

    public void Init(IStateStoreContext context)
    {
        // The inner store registers itself (and its restore callback); we keep the changelog handle it is given.
        var capture = new ChangelogCapturingContext(context);
        _inner.Init(capture);
        _changelog = capture.Changelog ?? throw new InvalidOperationException($"store '{Name}': inner store did not register with the context");
    }

    public bool TryGet(byte[] key, [MaybeNullWhen(false)] out byte[] value) => _inner.TryGet(key, out value);

    public IEnumerable<KeyValuePair<byte[], byte[]>> All() => _inner.All();

    public void Put(byte[] key, byte[] value)
    {
        if (value is null)
        {
            Delete(key);
            return;
        }
        _inner.Put(key, value);
        Changelog.Append(key, value);
    }

    public bool Delete(byte[] key)
    {
        bool existed = _inner.Delete(key);
        Changelog.AppendTombstone(key);
        return existed;
    }

    public void Flush() => _inner.Flush();

    public void Close() => _inner.Close();

    private IChangelog Changelog => _changelog ?? throw new InvalidOperationException($"store '{Name}' is not initialised");
}
