using System.Runtime.CompilerServices;

namespace StreamAnalytics.Formats.Decoding;

/// <summary>The attribute/tag keys the engine reads; every other key is skipped without looking at its value.</summary>
internal enum AttributeKey : byte
{
    Other = 0,
    ServiceName,
    PeerService,
    DbName,
    DbNamespace,
    DbSystem,
    MessagingSystem,
    MessagingDestinationName,
    ServerAddress,
    NetPeerName,
    HttpStatusCode,
    HttpResponseStatusCode,
    Error,
    SpanKind,
    OtelStatusCode,
}

/// <summary>Classifies a UTF-8 key without building a string: one length switch, then at most three comparisons.</summary>
internal static class AttributeKeys
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AttributeKey Classify(ReadOnlySpan<byte> key)
    {
        switch (key.Length)
        {
            case 5:
                return key.SequenceEqual("error"u8) ? AttributeKey.Error : AttributeKey.Other;
            case 7:
                return key.SequenceEqual("db.name"u8) ? AttributeKey.DbName : AttributeKey.Other;
            case 9:
                if (key.SequenceEqual("db.system"u8)) return AttributeKey.DbSystem;
                return key.SequenceEqual("span.kind"u8) ? AttributeKey.SpanKind : AttributeKey.Other;
            case 12:
                if (key.SequenceEqual("service.name"u8)) return AttributeKey.ServiceName;
                if (key.SequenceEqual("peer.service"u8)) return AttributeKey.PeerService;
                return key.SequenceEqual("db.namespace"u8) ? AttributeKey.DbNamespace : AttributeKey.Other;
            case 13:
                return key.SequenceEqual("net.peer.name"u8) ? AttributeKey.NetPeerName : AttributeKey.Other;
            case 14:
                if (key.SequenceEqual("server.address"u8)) return AttributeKey.ServerAddress;
                // Newer semantic conventions renamed db.system to db.system.name.
                return key.SequenceEqual("db.system.name"u8) ? AttributeKey.DbSystem : AttributeKey.Other;
            case 16:
                if (key.SequenceEqual("http.status_code"u8)) return AttributeKey.HttpStatusCode;
                if (key.SequenceEqual("messaging.system"u8)) return AttributeKey.MessagingSystem;
                return key.SequenceEqual("otel.status_code"u8) ? AttributeKey.OtelStatusCode : AttributeKey.Other;
            case 25:
                return key.SequenceEqual("http.response.status_code"u8) ? AttributeKey.HttpResponseStatusCode : AttributeKey.Other;
            case 26:
                return key.SequenceEqual("messaging.destination.name"u8) ? AttributeKey.MessagingDestinationName : AttributeKey.Other;
            default:
                return AttributeKey.Other;
        }
    }
}
