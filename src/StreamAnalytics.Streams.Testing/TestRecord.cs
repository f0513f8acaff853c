using System.Text;

namespace StreamAnalytics.Streams.Testing;

/// <summary>A record written by a topology under the <see cref="TopologyTestDriver"/> (raw bytes, as they would be produced).</summary>
/// <param name="Topic">Topic written to.</param>
/// <param name="Partition">Explicit partition, or the driver's key hash modulo the topic's partition count.</param>
/// <param name="Offset">Position within the topic-partition, from 0.</param>
/// <param name="Key">Key bytes (null for a null key).</param>
/// <param name="Value">Value bytes (null for a tombstone).</param>
/// <param name="TimestampMs">Record timestamp.</param>
/// <param name="Headers">Headers in order (empty when none).</param>
public sealed record TestRecord(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value, long TimestampMs, IReadOnlyList<KeyValuePair<string, byte[]>> Headers)
{
    /// <summary>The last header with this name as UTF-8 text, or null.</summary>
    public string? HeaderString(string name)
    {
        for (int i = Headers.Count - 1; i >= 0; i--)
        {
            if (Headers[i].Key == name) return Encoding.UTF8.GetString(Headers[i].Value);
        }
        return null;
    }
}
