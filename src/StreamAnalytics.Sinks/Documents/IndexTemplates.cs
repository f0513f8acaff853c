namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// The composable index templates (<c>PUT _index_template/{name}</c>) put at start: explicit mappings, so that
/// dimensions are keywords (exact match, terms aggregations), window bounds are dates and figures numeric, and no
/// field is guessed by dynamic mapping. <c>dynamic: false</c> keeps unknown fields in <c>_source</c> without mapping
/// them, so a newer engine writing an extra field does not fail against an older template.
/// </summary>
/// <remarks>
/// The output schema's room: the features document is written by <see cref="FeaturesDocumentJson"/> (the features'
/// own fields by <c>StreamAnalytics.Features.Extract.TraceFeaturesJson</c>), the aggregate document by
/// <c>StreamAnalytics.Features.Aggregate.AggregateDocumentJson</c>, the topic's key and value by
/// <see cref="TopicSerializers"/>; <c>DocumentSchemaTests</c> checks that every field they write is mapped here.
/// </remarks>
internal static class IndexTemplates
{
    /// <summary>Template name and body for <c>{prefix}-*</c> aggregate indices.</summary>
    public static (string Name, string Body) Aggregates(string prefix) => (prefix, $$"""
{
  "index_patterns": ["{{prefix}}-*"],
  "priority": 200,
  "template": {
    "settings": { "number_of_shards": 1 },
    "mappings": {
      "dynamic": false,
      "properties": {
        "@timestamp": { "type": "date" },
        "windowStart": { "type": "date" },
        "windowEnd": { "type": "date" },
        "windowMs": { "type": "long" },
        "kind": { "type": "keyword" },
        "service": { "type": "keyword" },
        "operation": { "type": "keyword" },
        "spanKind": { "type": "keyword" },
        "status": { "type": "keyword" },
        "client": { "type": "keyword" },
        "server": { "type": "keyword" },
        "connectionType": { "type": "keyword" },
        "path": { "type": "keyword" },
        "rootService": { "type": "keyword" },
        "rootOperation": { "type": "keyword" },
        "count": { "type": "long" },
        "errorCount": { "type": "long" },
        "errorRatio": { "type": "double" },
        "unit": { "type": "keyword" },
        "sum": { "type": "double" },
        "min": { "type": "double" },
        "max": { "type": "double" },
        "mean": { "type": "double" },
        "p50": { "type": "double" },
        "p90": { "type": "double" },
        "p99": { "type": "double" },
        "meanSpanCount": { "type": "double" },
        "meanDepth": { "type": "double" },
        "bucketBounds": { "type": "double", "index": false },
        "bucketCounts": { "type": "long", "index": false },
        "sketch": { "type": "binary" },
        "partition": { "type": "integer" },
        "overflow": { "type": "boolean" }
      }
    }
  },
  "_meta": { "description": "StreamAnalytics windowed trace aggregates", "managed_by": "StreamAnalytics" }
}
""");

    /// <summary>Template name and body for <c>{prefix}-*</c> trace-features indices.</summary>
    public static (string Name, string Body) Features(string prefix) => (prefix, $$"""
{
  "index_patterns": ["{{prefix}}-*"],
  "priority": 200,
  "template": {
    "settings": { "number_of_shards": 1 },
    "mappings": {
      "dynamic": false,
      "properties": {
        "@timestamp": { "type": "date" },
        "traceId": { "type": "keyword" },
        "revision": { "type": "integer" },
        "completionReason": { "type": "keyword" },
        "startTimeUs": { "type": "long" },
        "durationUs": { "type": "long" },
        "spanCount": { "type": "integer" },
        "serviceCount": { "type": "integer" },
        "errorCount": { "type": "integer" },
        "rootService": { "type": "keyword" },
        "rootOperation": { "type": "keyword" },
        "rootError": { "type": "boolean" },
        "depth": { "type": "integer" },
        "maxFanOut": { "type": "integer" },
        "spanCounts": { "type": "object", "enabled": false },
        "edges": {
          "properties": {
            "client": { "type": "keyword" },
            "server": { "type": "keyword" },
            "connectionType": { "type": "keyword" },
            "calls": { "type": "integer" },
            "errors": { "type": "integer" },
            "totalDurationUs": { "type": "long" }
          }
        },
        "servicePaths": { "type": "object", "enabled": false },
        "servicePathList": { "type": "keyword" },
        "criticalPath": { "type": "object", "enabled": false },
        "criticalPathByService": { "type": "object", "enabled": false },
        "criticalPathOutsideRootUs": { "type": "long" },
        "selfTimeByOperation": { "type": "object", "enabled": false },
        "networkLatencies": {
          "properties": {
            "client": { "type": "keyword" },
            "server": { "type": "keyword" },
            "count": { "type": "integer" },
            "totalUs": { "type": "long" },
            "maxUs": { "type": "long" }
          }
        },
        "quality": {
          "properties": {
            "orphanSpans": { "type": "integer" },
            "duplicateSpanIds": { "type": "integer" },
            "clockSkewSpans": { "type": "integer" },
            "truncated": { "type": "boolean" },
            "droppedSpans": { "type": "integer" },
            "cycleSpans": { "type": "integer" }
          }
        },
        "omitted": {
          "properties": {
            "spanCounts": { "type": "integer" },
            "edges": { "type": "integer" },
            "servicePaths": { "type": "integer" },
            "criticalPath": { "type": "integer" },
            "criticalPathByService": { "type": "integer" },
            "selfTimeByOperation": { "type": "integer" },
            "networkLatencies": { "type": "integer" }
          }
        }
      }
    }
  },
  "_meta": { "description": "StreamAnalytics per-trace features (one document per trace, _id = trace id, external version = revision + 1)", "managed_by": "StreamAnalytics" }
}
""");
}
