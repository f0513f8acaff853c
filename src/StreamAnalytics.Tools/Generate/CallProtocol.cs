namespace StreamAnalytics.Tools.Generate;

/// <summary>The wire protocol of a <see cref="OperationKind.Server"/> operation; it decides whether spans carry an HTTP status code.</summary>
public enum CallProtocol
{
    /// <summary>No remote protocol (internal and consumer operations).</summary>
    None,

    /// <summary>HTTP: server and client spans carry <c>http.response.status_code</c> 200, or 500 when the server span failed.</summary>
    Http,

    /// <summary>gRPC: no HTTP status code on the spans.</summary>
    Grpc,
}
