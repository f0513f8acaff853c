namespace StreamAnalytics.Formats;

/// <summary>The wire formats that tracing pipelines put on Kafka. Config names are the snake_case forms (<c>otlp_proto</c>).</summary>
public enum SpanFormat
{
    /// <summary>OTLP <c>ExportTraceServiceRequest</c>/<c>TracesData</c> protobuf (OpenTelemetry Collector kafka exporter default, Jaeger v2).</summary>
    OtlpProto,
    /// <summary>The same in the OTLP/JSON mapping.</summary>
    OtlpJson,
    /// <summary>One <c>jaeger.api_v2.Span</c> protobuf per message, key = hex trace id (Jaeger v1 collector, Kafka storage).</summary>
    JaegerProto,
    /// <summary>The same span in Jaeger's JSON mapping.</summary>
    JaegerJson,
    /// <summary>Zipkin v2 JSON: a list of spans.</summary>
    ZipkinJson,
    /// <summary>Zipkin <c>zipkin.proto3.ListOfSpans</c>.</summary>
    ZipkinProto,
}
