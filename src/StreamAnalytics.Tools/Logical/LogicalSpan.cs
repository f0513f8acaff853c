using StreamAnalytics.Formats;
using Model = StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Tools.Logical;

/// <summary>
/// A span as a producer would describe it, with plain strings: the input of the encoders (one logical trace can be
/// written in every <see cref="SpanFormat"/>), of the load generator and of the Nezha CSV reader.
/// </summary>
/// <remarks>Not used on the hot path; decoders produce the compact <c>Model.Span</c> instead.</remarks>
public sealed class LogicalSpan
{
    /// <summary>32 (or 16) lowercase hex characters.</summary>
    public required string TraceId { get; init; }

    /// <summary>16 lowercase hex characters.</summary>
    public required string SpanId { get; init; }

    /// <summary>16 lowercase hex characters, or null for a root span.</summary>
    public string? ParentSpanId { get; init; }

    public required string Service { get; init; }

    public required string Operation { get; init; }

    public Model.SpanKind Kind { get; init; }

    public long StartUnixNanos { get; init; }

    public long DurationNanos { get; init; }

    /// <summary>OTLP status ERROR / <c>error=true</c> tag.</summary>
    public bool Error { get; init; }

    /// <summary>HTTP response status code, or 0 when not an HTTP span.</summary>
    public int HttpStatusCode { get; init; }

    /// <summary>Attribute <c>peer.service</c>.</summary>
    public string? PeerService { get; init; }

    /// <summary>Attribute <c>server.address</c>.</summary>
    public string? ServerAddress { get; init; }

    /// <summary>Attribute <c>db.system</c> (e.g. <c>redis</c>, <c>postgresql</c>).</summary>
    public string? DbSystem { get; init; }

    /// <summary>Attribute <c>db.name</c>.</summary>
    public string? DbName { get; init; }

    /// <summary>Attribute <c>messaging.system</c> (e.g. <c>kafka</c>).</summary>
    public string? MessagingSystem { get; init; }

    /// <summary>Zipkin <c>remoteEndpoint.serviceName</c>; other formats carry it as <c>peer.service</c> when that is unset.</summary>
    public string? RemoteServiceName { get; init; }

    /// <summary>Zipkin <c>shared</c>: a server half that reuses its client's span id.</summary>
    public bool Shared { get; init; }
}
