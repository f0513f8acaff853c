using System.Text;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Decoding;

/// <summary>
/// What one span's attributes/tags say about peer, error and kind, collected while the decoder walks them, then applied
/// to the <see cref="Span"/> once. Holds slices of the message, so it lives on the stack for the duration of one span.
/// </summary>
/// <remarks>
/// The first value seen for a key wins. The peer is chosen by <see cref="PeerKind"/>'s documented order, whatever order
/// the attributes came in.
/// </remarks>
internal ref struct SpanAttributes
{
    public ReadOnlySpan<byte> PeerService;
    public ReadOnlySpan<byte> DbName;
    public ReadOnlySpan<byte> DbSystem;
    public ReadOnlySpan<byte> MessagingSystem;
    public ReadOnlySpan<byte> MessagingDestination;
    /// <summary>Zipkin <c>remoteEndpoint.serviceName</c>.</summary>
    public ReadOnlySpan<byte> RemoteService;
    public ReadOnlySpan<byte> ServerAddress;
    public int HttpStatus;
    public bool ErrorTag;
    /// <summary>An <c>error</c> tag was present, whatever its value (Zipkin's rule: its value is a message and may be empty).</summary>
    public bool ErrorTagPresent;
    /// <summary>Jaeger's <c>span.kind</c> tag.</summary>
    public SpanKind KindTag;
    /// <summary>0 unset, 1 OK, 2 ERROR: OTLP <c>status.code</c>, or the <c>otel.status_code</c> tag of Jaeger/Zipkin spans exported by OpenTelemetry.</summary>
    public int Status;

    /// <summary>A string-valued attribute.</summary>
    public void SetString(AttributeKey key, ReadOnlySpan<byte> value)
    {
        switch (key)
        {
            case AttributeKey.PeerService: First(ref PeerService, value); break;
            // db.name and its newer name db.namespace are the same thing; first one wins.
            case AttributeKey.DbName:
            case AttributeKey.DbNamespace: First(ref DbName, value); break;
            case AttributeKey.DbSystem: First(ref DbSystem, value); break;
            case AttributeKey.MessagingSystem: First(ref MessagingSystem, value); break;
            case AttributeKey.MessagingDestinationName: First(ref MessagingDestination, value); break;
            // server.address is the current name of net.peer.name.
            case AttributeKey.ServerAddress:
            case AttributeKey.NetPeerName: First(ref ServerAddress, value); break;
            case AttributeKey.HttpStatusCode:
            case AttributeKey.HttpResponseStatusCode:
                if (HttpStatus == 0 && TryParseStatus(value, out int code)) HttpStatus = code;
                break;
            case AttributeKey.Error:
                // Zipkin and Jaeger mark errors with a tag whose value is a message or "true"; "false" and "" are not errors.
                ErrorTag |= !value.IsEmpty && !Ascii.EqualsIgnoreCase(value, "false"u8);
                ErrorTagPresent = true;
                break;
            case AttributeKey.SpanKind:
                if (KindTag == SpanKind.Unspecified) KindTag = ParseKindTag(value);
                break;
            case AttributeKey.OtelStatusCode:
                if (Status == 0)
                {
                    if (Ascii.EqualsIgnoreCase(value, "ERROR"u8)) Status = 2;
                    else if (Ascii.EqualsIgnoreCase(value, "OK"u8)) Status = 1;
                }
                break;
        }
    }

    public void SetInt(AttributeKey key, long value)
    {
        if ((key is AttributeKey.HttpStatusCode or AttributeKey.HttpResponseStatusCode) && HttpStatus == 0 && value is > 0 and < 1000)
            HttpStatus = (int)value;
    }

    public void SetBool(AttributeKey key, bool value)
    {
        if (key == AttributeKey.Error)
        {
            ErrorTag |= value;
            ErrorTagPresent = true;
        }
    }

    /// <summary>Fills <see cref="Span.Peer"/>/<see cref="Span.PeerKind"/> by the documented order (first match wins).</summary>
    public readonly void ApplyPeer(ref Span span, DecodeScratch scratch)
    {
        PeerKind kind;
        ReadOnlySpan<byte> name;
        // Database and messaging attributes say what kind of peer this is, so they win over peer.service (the
        // OpenTelemetry servicegraph connector classifies by them too and names a database node by db.name).
        if (!DbName.IsEmpty && DbSystem.Length is > 0 and <= 64 && IsBareIndex(DbName))
        {
            // "0" (a Redis database index) names nothing a person can read: name the node by the system, index kept.
            Span<byte> buffer = stackalloc byte[64 + 4 + 2];
            span.Peer = scratch.Intern(IndexedSystemName(DbSystem, DbName, buffer));
            span.PeerKind = PeerKind.Database;
            return;
        }
        if (!DbName.IsEmpty) { kind = PeerKind.Database; name = DbName; }
        else if (!DbSystem.IsEmpty) { kind = PeerKind.Database; name = DbSystem; }
        else if (!MessagingSystem.IsEmpty) { kind = PeerKind.Messaging; name = MessagingSystem; }
        else if (!MessagingDestination.IsEmpty) { kind = PeerKind.Messaging; name = MessagingDestination; }
        else if (!PeerService.IsEmpty) { kind = PeerKind.Service; name = PeerService; }
        else if (!RemoteService.IsEmpty) { kind = PeerKind.Service; name = RemoteService; }
        else if (!ServerAddress.IsEmpty) { kind = PeerKind.Address; name = ServerAddress; }
        else return;
        span.Peer = scratch.Intern(name);
        span.PeerKind = kind;
    }

    /// <summary>
    /// The error flags: an explicit status (OK or ERROR) decides alone and sets <see cref="SpanFlags.StatusSet"/>;
    /// otherwise an error tag (when the format has them) or an HTTP status of 500 or more marks an error.
    /// </summary>
    public readonly SpanFlags ErrorFlags(bool honorErrorTag)
    {
        if (Status == 2) return SpanFlags.StatusSet | SpanFlags.Error;
        if (Status == 1) return SpanFlags.StatusSet;
        return (honorErrorTag && ErrorTag) || HttpStatus >= 500 ? SpanFlags.Error : SpanFlags.None;
    }

    /// <summary>
    /// Zipkin's error rule: the presence of an <c>error</c> tag marks an error, whatever its value (<c>""</c>,
    /// <c>"false"</c> or a message alike), as zipkin2's <c>DependencyLinker</c> tests it; an explicit status
    /// (<c>otel.status_code</c>) still decides alone, and HTTP 5xx still counts.
    /// </summary>
    public readonly SpanFlags ZipkinErrorFlags()
    {
        if (Status == 2) return SpanFlags.StatusSet | SpanFlags.Error;
        if (Status == 1) return SpanFlags.StatusSet;
        return ErrorTagPresent || HttpStatus >= 500 ? SpanFlags.Error : SpanFlags.None;
    }

    /// <summary>A database name that is only digits (at most 4: Redis has 16 databases by default).</summary>
    private static bool IsBareIndex(ReadOnlySpan<byte> name)
    {
        if (name.Length > 4) return false;
        foreach (byte b in name)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
        }
        return true;
    }

    /// <summary><c>redis[0]</c>: the system, then the index in brackets.</summary>
    private static Span<byte> IndexedSystemName(ReadOnlySpan<byte> system, ReadOnlySpan<byte> index, Span<byte> buffer)
    {
        Span<byte> bytes = buffer[..(system.Length + index.Length + 2)];
        system.CopyTo(bytes);
        bytes[system.Length] = (byte)'[';
        index.CopyTo(bytes[(system.Length + 1)..]);
        bytes[^1] = (byte)']';
        return bytes;
    }

    private static void First(ref ReadOnlySpan<byte> slot, ReadOnlySpan<byte> value)
    {
        if (slot.IsEmpty) slot = value;
    }

    private static bool TryParseStatus(ReadOnlySpan<byte> text, out int code)
    {
        code = 0;
        if (text.IsEmpty || text.Length > 3) return false;
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            code = code * 10 + (b - '0');
        }
        return code > 0;
    }

    private static SpanKind ParseKindTag(ReadOnlySpan<byte> value)
    {
        if (Ascii.EqualsIgnoreCase(value, "server"u8)) return SpanKind.Server;
        if (Ascii.EqualsIgnoreCase(value, "client"u8)) return SpanKind.Client;
        if (Ascii.EqualsIgnoreCase(value, "producer"u8)) return SpanKind.Producer;
        if (Ascii.EqualsIgnoreCase(value, "consumer"u8)) return SpanKind.Consumer;
        if (Ascii.EqualsIgnoreCase(value, "internal"u8)) return SpanKind.Internal;
        return SpanKind.Unspecified;
    }
}
