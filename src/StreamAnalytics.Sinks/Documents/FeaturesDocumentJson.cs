using System.Globalization;
using System.Text.Json;
using StreamAnalytics.Features.Extract;

namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// Writes a <see cref="TraceFeatures"/> as the camelCase document stored in <c>trace-features-*</c> and the file
/// sinks, with <c>@timestamp</c> (the trace start) and <c>servicePathList</c> added for Kibana and keyword search.
/// <see cref="Edge.DurationsUs"/> is not written (it is input for aggregation, as the contract says).
/// </summary>
/// <remarks>
/// Dictionary keys are written in ordinal order, as <see cref="StreamAnalytics.Features.Extract.TraceFeaturesJson"/>
/// does: the same features always give the same bytes, whatever order the extractor filled them in (replays of one
/// input in different wire formats compare equal).
/// </remarks>
public static class FeaturesDocumentJson
{
    /// <summary>Writes one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, TraceFeatures f)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(f);
        writer.WriteStartObject();
        writer.WriteString("@timestamp"u8, IsoFromMicros(f.StartTimeUs));
        writer.WriteString("traceId"u8, f.TraceId);
        writer.WriteNumber("revision"u8, f.Revision);
        writer.WriteString("completionReason"u8, f.CompletionReason);
        writer.WriteNumber("startTimeUs"u8, f.StartTimeUs);
        writer.WriteNumber("durationUs"u8, f.DurationUs);
        writer.WriteNumber("spanCount"u8, f.SpanCount);
        writer.WriteNumber("serviceCount"u8, f.ServiceCount);
        writer.WriteNumber("errorCount"u8, f.ErrorCount);
        writer.WriteString("rootService"u8, f.RootService);
        writer.WriteString("rootOperation"u8, f.RootOperation);
        writer.WriteBoolean("rootError"u8, f.RootError);
        writer.WriteNumber("depth"u8, f.Depth);
        writer.WriteNumber("maxFanOut"u8, f.MaxFanOut);
        WriteMap(writer, "spanCounts"u8, f.SpanCounts);
        writer.WriteStartArray("edges"u8);
        foreach (var e in f.Edges)
        {
            writer.WriteStartObject();
            writer.WriteString("client"u8, e.Client);
            writer.WriteString("server"u8, e.Server);
            writer.WriteString("connectionType"u8, e.ConnectionType);
            writer.WriteNumber("calls"u8, e.Calls);
            writer.WriteNumber("errors"u8, e.Errors);
            writer.WriteNumber("totalDurationUs"u8, e.TotalDurationUs);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        WriteMap(writer, "servicePaths"u8, f.ServicePaths);
        // The path strings again as a keyword array: servicePaths is stored unindexed (its keys are unbounded).
        writer.WriteStartArray("servicePathList"u8);
        foreach (string path in SortedKeys(f.ServicePaths)) writer.WriteStringValue(path);
        writer.WriteEndArray();
        writer.WriteStartArray("criticalPath"u8);
        foreach (var s in f.CriticalPath)
        {
            writer.WriteStartObject();
            writer.WriteString("spanId"u8, s.SpanId);
            writer.WriteString("service"u8, s.Service);
            writer.WriteNumber("startUs"u8, s.StartUs);
            writer.WriteNumber("endUs"u8, s.EndUs);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        WriteMap(writer, "criticalPathByService"u8, f.CriticalPathByService);
        WriteMap(writer, "selfTimeByOperation"u8, f.SelfTimeByOperation);
        writer.WriteStartArray("networkLatencies"u8);
        foreach (var n in f.NetworkLatencies)
        {
            writer.WriteStartObject();
            writer.WriteString("client"u8, n.Client);
            writer.WriteString("server"u8, n.Server);
            writer.WriteNumber("count"u8, n.Count);
            writer.WriteNumber("totalUs"u8, n.TotalUs);
            writer.WriteNumber("maxUs"u8, n.MaxUs);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        var q = f.Quality;
        writer.WriteStartObject("quality"u8);
        writer.WriteNumber("orphanSpans"u8, q.OrphanSpans);
        writer.WriteNumber("duplicateSpanIds"u8, q.DuplicateSpanIds);
        writer.WriteNumber("clockSkewSpans"u8, q.ClockSkewSpans);
        writer.WriteBoolean("truncated"u8, q.Truncated);
        writer.WriteNumber("droppedSpans"u8, q.DroppedSpans);
        writer.WriteNumber("cycleSpans"u8, q.CycleSpans);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The daily index suffix of a trace, <c>YYYY.MM.DD</c> of its start (UTC).</summary>
    public static string DaySuffix(TraceFeatures f) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(f.StartTimeUs / 1000, MinMs, MaxMs)).UtcDateTime.ToString("yyyy.MM.dd", CultureInfo.InvariantCulture);

    private const long MinMs = -62_135_596_800_000; // 0001-01-01
    private const long MaxMs = 253_402_300_799_999; // 9999-12-31

    private static string IsoFromMicros(long us) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(us / 1000, MinMs, MaxMs)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteMap(Utf8JsonWriter writer, ReadOnlySpan<byte> name, Dictionary<string, int> map)
    {
        writer.WriteStartObject(name);
        foreach (string k in SortedKeys(map)) writer.WriteNumber(k, map[k]);
        writer.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter writer, ReadOnlySpan<byte> name, Dictionary<string, long> map)
    {
        writer.WriteStartObject(name);
        foreach (string k in SortedKeys(map)) writer.WriteNumber(k, map[k]);
        writer.WriteEndObject();
    }

    private static string[] SortedKeys<TValue>(Dictionary<string, TValue> map)
    {
        var keys = new string[map.Count];
        map.Keys.CopyTo(keys, 0);
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }
}
