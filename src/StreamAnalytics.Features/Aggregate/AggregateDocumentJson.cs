using System.Globalization;
using System.Text.Json;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>Writes an <see cref="AggregateDocument"/> as the camelCase JSON object the sinks store.</summary>
public static class AggregateDocumentJson
{
    /// <summary>
    /// Writes one object: <c>@timestamp</c> (= windowStart), <c>windowStart</c>/<c>windowEnd</c> (ISO-8601 UTC),
    /// <c>kind</c>, the kind's dimension fields, the figures, <c>bucketBounds</c>/<c>bucketCounts</c>, <c>sketch</c>,
    /// <c>partition</c> and <c>overflow</c>. Quantiles of an empty distribution are omitted (JSON has no NaN).
    /// </summary>
    public static void Write(Utf8JsonWriter writer, AggregateDocument doc)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(doc);
        writer.WriteStartObject();
        string start = Iso(doc.WindowStartMs);
        writer.WriteString("@timestamp"u8, start);
        writer.WriteString("windowStart"u8, start);
        writer.WriteString("windowEnd"u8, Iso(doc.WindowEndMs));
        writer.WriteNumber("windowMs"u8, doc.WindowEndMs - doc.WindowStartMs);
        writer.WriteString("kind"u8, AggregateKindNames.Of(doc.Kind));
        switch (doc.Kind)
        {
            case AggregateKind.Operation:
                writer.WriteString("service"u8, doc.Key.V0);
                writer.WriteString("operation"u8, doc.Key.V1);
                writer.WriteString("spanKind"u8, doc.Key.V2);
                writer.WriteString("status"u8, doc.Key.V3);
                break;
            case AggregateKind.Edge:
                writer.WriteString("client"u8, doc.Key.V0);
                writer.WriteString("server"u8, doc.Key.V1);
                writer.WriteString("connectionType"u8, doc.Key.V2);
                break;
            case AggregateKind.ServicePath:
                writer.WriteString("path"u8, doc.Key.V0);
                break;
            case AggregateKind.RootOperation:
                writer.WriteString("rootService"u8, doc.Key.V0);
                writer.WriteString("rootOperation"u8, doc.Key.V1);
                break;
            case AggregateKind.SpanCount:
                writer.WriteString("service"u8, doc.Key.V0);
                writer.WriteString("operation"u8, doc.Key.V1);
                break;
        }
        writer.WriteNumber("count"u8, doc.Count);
        writer.WriteNumber("errorCount"u8, doc.ErrorCount);
        writer.WriteNumber("errorRatio"u8, doc.Count == 0 ? 0 : (double)doc.ErrorCount / doc.Count);
        writer.WriteString("unit"u8, doc.Unit);
        WriteFinite(writer, "sum"u8, doc.Sum);
        WriteFinite(writer, "min"u8, doc.Min);
        WriteFinite(writer, "max"u8, doc.Max);
        if (doc.Count > 0) WriteFinite(writer, "mean"u8, doc.Sum / doc.Count);
        WriteFinite(writer, "p50"u8, doc.P50);
        WriteFinite(writer, "p90"u8, doc.P90);
        WriteFinite(writer, "p99"u8, doc.P99);
        if (doc.MeanSpanCount is double msc) WriteFinite(writer, "meanSpanCount"u8, msc);
        if (doc.MeanDepth is double md) WriteFinite(writer, "meanDepth"u8, md);
        writer.WriteStartArray("bucketBounds"u8);
        foreach (double b in doc.BucketBounds) writer.WriteNumberValue(b);
        writer.WriteEndArray();
        writer.WriteStartArray("bucketCounts"u8);
        foreach (long c in doc.BucketCounts) writer.WriteNumberValue(c);
        writer.WriteEndArray();
        writer.WriteString("sketch"u8, doc.Sketch);
        writer.WriteNumber("partition"u8, doc.Partition);
        writer.WriteBoolean("overflow"u8, doc.Overflow);
        writer.WriteEndObject();
    }

    /// <summary>The daily index suffix of a document, <c>YYYY.MM.DD</c> of its window start (UTC).</summary>
    public static string DaySuffix(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy.MM.dd", CultureInfo.InvariantCulture);

    private static string Iso(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteFinite(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
    }
}
