using System.Globalization;
using System.Text.Json;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Sinks.Internal;

namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// Writes a <see cref="TraceFeatures"/> as the camelCase trace document: the <c>{app}-trace-features</c> record value,
/// the <c>trace-features-*</c> Elasticsearch document and the file sinks' line, with <c>@timestamp</c> (the trace
/// start) and <c>servicePathList</c> added for Kibana and keyword search. Mapped by <see cref="IndexTemplates.Features"/>.
/// <see cref="Edge.DurationsUs"/> is not written (it is input for aggregation, as the contract says).
/// </summary>
/// <remarks>
/// The features' properties come from <see cref="TraceFeaturesJson.WriteProperties"/>, so the document and
/// <c>traces.ndjson</c> never drift apart; dictionary keys are in ordinal order, so equal features give equal bytes.
/// </remarks>
public static class FeaturesDocumentJson
{
    /// <summary>Writes one JSON object: <c>@timestamp</c>, the features' own properties, then <c>servicePathList</c>.</summary>
    public static void Write(Utf8JsonWriter writer, TraceFeatures f)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(f);
        writer.WriteStartObject();
        writer.WriteString("@timestamp"u8, IsoFromMicros(f.StartTimeUs));
        TraceFeaturesJson.WriteProperties(writer, f);
        // The path strings again as a keyword array: servicePaths is stored unindexed (its keys are unbounded).
        writer.WriteStartArray("servicePathList"u8);
        foreach (string path in SortedKeys(f.ServicePaths)) writer.WriteStringValue(path);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The document of <paramref name="f"/> as UTF-8 (one line, no trailing newline).</summary>
    public static byte[] ToUtf8(TraceFeatures f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return DocumentBuffer.Serialize(f, static (w, v) => Write(w, v));
    }

    /// <summary>The daily index suffix of a trace, <c>YYYY.MM.DD</c> of its start (UTC).</summary>
    public static string DaySuffix(TraceFeatures f) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(f.StartTimeUs / 1000, MinMs, MaxMs)).UtcDateTime.ToString("yyyy.MM.dd", CultureInfo.InvariantCulture);

    private const long MinMs = -62_135_596_800_000; // 0001-01-01
    private const long MaxMs = 253_402_300_799_999; // 9999-12-31

    private static string IsoFromMicros(long us) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(us / 1000, MinMs, MaxMs)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string[] SortedKeys<TValue>(Dictionary<string, TValue> map)
    {
        var keys = new string[map.Count];
        map.Keys.CopyTo(keys, 0);
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }
}
