using System.Security.Cryptography;
using System.Text;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// One closed window of one series: the document written to the <c>trace-aggregates-YYYY.MM.DD</c> index, to
/// <c>aggregates.bulk.ndjson</c> / <c>aggregates.ndjson</c> (see <see cref="AggregateDocumentJson"/>).
/// </summary>
/// <remarks>
/// Documents are per producing partition: totals over all traffic sum <see cref="Count"/> and merge
/// <see cref="Sketch"/>es across partitions. Only the dimension properties of <see cref="Kind"/> are set; the others are null.
/// </remarks>
public sealed class AggregateDocument
{
    /// <summary>Window start, milliseconds since the Unix epoch (inclusive).</summary>
    public required long WindowStartMs { get; init; }

    /// <summary>Window end, milliseconds since the Unix epoch (exclusive).</summary>
    public required long WindowEndMs { get; init; }

    /// <summary>The dimension kind.</summary>
    public required AggregateKind Kind { get; init; }

    /// <summary>The dimension values.</summary>
    public required AggregateKey Key { get; init; }

    /// <summary>operation and spanCount: the service.</summary>
    public string? Service => Kind is AggregateKind.Operation or AggregateKind.SpanCount ? Key.V0 : null;

    /// <summary>operation and spanCount: the operation.</summary>
    public string? Operation => Kind is AggregateKind.Operation or AggregateKind.SpanCount ? Key.V1 : null;

    /// <summary>operation: <c>server</c>, <c>client</c>, <c>producer</c>, <c>consumer</c>, <c>internal</c> or <c>unspecified</c>.</summary>
    public string? SpanKind => Kind == AggregateKind.Operation ? Key.V2 : null;

    /// <summary>operation: <c>ok</c>, <c>error</c> or <c>unset</c>.</summary>
    public string? Status => Kind == AggregateKind.Operation ? Key.V3 : null;

    /// <summary>edge: the calling service.</summary>
    public string? Client => Kind == AggregateKind.Edge ? Key.V0 : null;

    /// <summary>edge: the called service, database or messaging system.</summary>
    public string? Server => Kind == AggregateKind.Edge ? Key.V1 : null;

    /// <summary>edge: <c>direct</c>, <c>database</c>, <c>messaging</c> or <c>virtual</c>.</summary>
    public string? ConnectionType => Kind == AggregateKind.Edge ? Key.V2 : null;

    /// <summary>servicePath: the path string.</summary>
    public string? Path => Kind == AggregateKind.ServicePath ? Key.V0 : null;

    /// <summary>rootOperation: the root span's service.</summary>
    public string? RootService => Kind == AggregateKind.RootOperation ? Key.V0 : null;

    /// <summary>rootOperation: the root span's operation.</summary>
    public string? RootOperation => Kind == AggregateKind.RootOperation ? Key.V1 : null;

    /// <summary>Spans (operation), calls (edge) or traces (servicePath, rootOperation, spanCount).</summary>
    public required long Count { get; init; }

    /// <summary>Error spans (operation), failed calls (edge), traces with any error span (servicePath), traces whose root span failed (rootOperation); 0 for spanCount.</summary>
    public required long ErrorCount { get; init; }

    /// <summary>Unit of the distribution: <c>us</c> (durations) or <c>spans</c> (spanCount).</summary>
    public required string Unit { get; init; }

    /// <summary>Sum of the distribution's values.</summary>
    public required double Sum { get; init; }

    /// <summary>Exact minimum of the distribution.</summary>
    public required double Min { get; init; }

    /// <summary>Exact maximum of the distribution.</summary>
    public required double Max { get; init; }

    /// <summary>Median, within the sketch's relative accuracy.</summary>
    public required double P50 { get; init; }

    /// <summary>90th percentile.</summary>
    public required double P90 { get; init; }

    /// <summary>99th percentile.</summary>
    public required double P99 { get; init; }

    /// <summary>rootOperation: mean spans per trace; otherwise null.</summary>
    public double? MeanSpanCount { get; init; }

    /// <summary>rootOperation: mean trace depth; otherwise null.</summary>
    public double? MeanDepth { get; init; }

    /// <summary>The fixed bucket upper bounds (<see cref="FixedHistogram"/>).</summary>
    public required IReadOnlyList<double> BucketBounds { get; init; }

    /// <summary>Per-bucket counts, one more than <see cref="BucketBounds"/> (the last is +Inf).</summary>
    public required IReadOnlyList<long> BucketCounts { get; init; }

    /// <summary>The serialized <see cref="DDSketch"/>, base64.</summary>
    public required string Sketch { get; init; }

    /// <summary>The input partition whose task produced the document (0 for <c>replay</c>).</summary>
    public required int Partition { get; init; }

    /// <summary>True for the series that collected updates beyond <c>aggregate.cardinality.limit</c>.</summary>
    public bool Overflow => Key.IsOverflow;

    /// <summary>The Elasticsearch <c>_id</c>: <see cref="ComputeId"/>, so a replayed write overwrites instead of duplicating.</summary>
    public string Id => _id ??= ComputeId(WindowStartMs, Key, Partition);

    private string? _id;

    /// <summary>
    /// A stable id: the first 16 bytes of SHA-256 over window start, kind, the four dimension values and the partition
    /// (separated by U+001F, which names never contain), as 32 lowercase hex characters.
    /// </summary>
    public static string ComputeId(long windowStartMs, AggregateKey key, int partition)
    {
        string text = string.Join('\u001f',
            windowStartMs.ToString(System.Globalization.CultureInfo.InvariantCulture), AggregateKindNames.Of(key.Kind),
            key.V0, key.V1, key.V2, key.V3, partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
