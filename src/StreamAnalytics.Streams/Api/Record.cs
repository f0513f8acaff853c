namespace StreamAnalytics.Streams.Api;

/// <summary>
/// One record flowing through a topology: key, value, timestamp (milliseconds since the Unix epoch) and headers.
/// Immutable; use <c>with</c> to derive a changed copy (Kafka Streams' <c>withKey</c>/<c>withValue</c>).
/// </summary>
public readonly record struct Record<TKey, TValue>
{
    public Record(TKey key, TValue value, long timestampMs, IReadOnlyList<KeyValuePair<string, byte[]>>? headers = null)
    {
        if (timestampMs < 0) throw new ArgumentOutOfRangeException(nameof(timestampMs), timestampMs, "record timestamps cannot be negative");
        Key = key;
        Value = value;
        TimestampMs = timestampMs;
        Headers = headers;
    }

    public TKey Key { get; init; }
    public TValue Value { get; init; }
    public long TimestampMs { get; init; }
    public IReadOnlyList<KeyValuePair<string, byte[]>>? Headers { get; init; }
}
