using System.Diagnostics.CodeAnalysis;
using Confluent.Kafka;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Testing.State.Internals;

/// <summary>
/// The outer, typed layer: converts keys and values with the serdes and delegates to the byte store below. Named after
/// Kafka Streams' MeteredKeyValueStore, which owns serialization there too; per-store metrics are not recorded yet.
/// </summary>
internal sealed class MeteredKeyValueStore<TKey, TValue> : IKeyValueStore<TKey, TValue>, IChangelogTopicConfig
{
    private static readonly IReadOnlyDictionary<string, string> NoConfig = new Dictionary<string, string>();

    private readonly IKeyValueStore<byte[], byte[]> _inner;
    private readonly Serde<TKey> _keySerde;
    private readonly Serde<TValue> _valueSerde;
    private readonly SerializationContext _keyContext;
    private readonly SerializationContext _valueContext;

    public MeteredKeyValueStore(IKeyValueStore<byte[], byte[]> inner, Serde<TKey> keySerde, Serde<TValue> valueSerde)
    {
        _inner = inner;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
        _keyContext = new SerializationContext(MessageComponentType.Key, inner.Name);
        _valueContext = new SerializationContext(MessageComponentType.Value, inner.Name);
    }

    public string Name => _inner.Name;

    public bool LoggingEnabled => _inner.LoggingEnabled;

    public IReadOnlyDictionary<string, string> ChangelogTopicConfig => (_inner as IChangelogTopicConfig)?.ChangelogTopicConfig ?? NoConfig;

    public long ApproximateNumEntries => _inner.ApproximateNumEntries;

    public void Init(IStateStoreContext context) => _inner.Init(context);

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (_inner.TryGet(SerializeKey(key), out var bytes))
        {
            value = _valueSerde.Deserializer.Deserialize(bytes, false, _valueContext);
            return true;
        }
        value = default;
        return false;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> All()
    {
        foreach (var kv in _inner.All())
        {
            yield return new(_keySerde.Deserializer.Deserialize(kv.Key, false, _keyContext), _valueSerde.Deserializer.Deserialize(kv.Value, false, _valueContext));
        }
    }

    public void Put(TKey key, TValue value)
    {
        if (value is null)
        {
            _inner.Delete(SerializeKey(key));
            return;
        }
        _inner.Put(SerializeKey(key), _valueSerde.Serializer.Serialize(value, _valueContext));
    }

    public bool Delete(TKey key) => _inner.Delete(SerializeKey(key));

    public void Flush() => _inner.Flush();

    public void Close() => _inner.Close();

    private byte[] SerializeKey(TKey key) =>
        _keySerde.Serializer.Serialize(key, _keyContext) ?? throw new ArgumentException($"store '{Name}': key serialized to null", nameof(key));
}
