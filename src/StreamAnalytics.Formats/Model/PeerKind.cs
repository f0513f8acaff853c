namespace StreamAnalytics.Formats.Model;

/// <summary>What <see cref="Span.Peer"/> names: the remote side of a client/producer/consumer span.</summary>
/// <remarks>
/// Decoders fill the peer with the first of, in this order: <c>db.name</c> or <c>db.namespace</c>, else
/// <c>db.system</c> (Database), <c>messaging.system</c> or <c>messaging.destination.name</c> (Messaging),
/// <c>peer.service</c> (Service), Zipkin <c>remoteEndpoint.serviceName</c> (Service), <c>server.address</c>/<c>net.peer.name</c>
/// (Address). Database and messaging come first because they say what the peer is (as the OpenTelemetry servicegraph
/// connector decides database and messaging edges by them).
/// A Zipkin remote endpoint with only an IP gives no peer.
/// </remarks>
public enum PeerKind : byte
{
    None = 0,
    Service = 1,
    Database = 2,
    Messaging = 3,
    Address = 4,
}
