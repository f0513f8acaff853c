using Confluent.Kafka;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// A store's write side of its changelog partition: appends go to the task's record collector with the timestamp of
/// the record being processed (wall clock inside a punctuation), so they are acknowledged (or in the transaction) before
/// the task's offsets are committed.
/// </summary>
/// <remarks>
/// Deletes logged with <see cref="AppendTombstoneAfterCommit"/> under at_least_once wait in <see cref="_deferred"/>
/// until <see cref="SendDeferredDeletes"/> (after a successful commit); an append of a waiting key sends its delete
/// first, so the partition keeps the order of changes per key. A task closed without a commit drops them: restore
/// then still holds the entries, which are emitted again (a duplicate, never a loss). Stream thread only.
/// </remarks>
internal sealed class ChangelogHandle(TopicPartition partition, StreamTask task) : IChangelog
{
    private readonly List<byte[]> _deferred = new();
    private readonly HashSet<byte[]> _deferredKeys = new(KeyComparer.Instance);

    private HashSet<byte[]>.AlternateLookup<ReadOnlySpan<byte>> DeferredLookup => _deferredKeys.GetAlternateLookup<ReadOnlySpan<byte>>();

    public string? Topic => partition.Topic;

    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_deferredKeys.Count > 0 && DeferredLookup.Remove(key)) Send(key.ToArray(), null);
        Send(key.ToArray(), value.ToArray());
    }

    public void AppendTombstone(ReadOnlySpan<byte> key)
    {
        if (_deferredKeys.Count > 0) DeferredLookup.Remove(key);
        Send(key.ToArray(), null);
    }

    public void AppendTombstoneAfterCommit(ReadOnlySpan<byte> key)
    {
        if (!task.DefersDeletesUntilCommit)
        {
            AppendTombstone(key);
            return;
        }
        byte[] k = key.ToArray();
        if (_deferredKeys.Add(k)) _deferred.Add(k);
    }

    /// <summary>Sends the held deletes, in the order they were logged.</summary>
    public void SendDeferredDeletes()
    {
        if (_deferred.Count == 0) return;
        foreach (byte[] k in _deferred)
        {
            // Keys sent early (an append of the same key came first) are no longer in the set.
            if (_deferredKeys.Remove(k)) Send(k, null);
        }
        _deferred.Clear();
        _deferredKeys.Clear();
    }

    private void Send(byte[] key, byte[]? value) =>
        task.Collector.Send(partition.Topic, partition.Partition.Value, key, value, task.CurrentTimestampMs, null);

    /// <summary>Byte-content equality, with span lookups so an append checks a waiting delete without allocating.</summary>
    private sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
