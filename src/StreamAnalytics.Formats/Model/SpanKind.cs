namespace StreamAnalytics.Formats.Model;

/// <summary>The role of a span in a call, with OTLP's numbering (Jaeger's <c>span.kind</c> tag and Zipkin's <c>kind</c> map onto it).</summary>
public enum SpanKind : byte
{
    /// <summary>No kind information (Jaeger spans without a <c>span.kind</c> tag, Zipkin spans without <c>kind</c>).</summary>
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}
