using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools.Logical;
using Model = StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Tools.Encoders;

/// <summary>
/// What every encoder derives from a <see cref="LogicalSpan"/> the same way: id bytes and the string attributes that name
/// the peer. Not a hot path (encoders feed tests, the load generator and the benchmark), so clarity wins over speed.
/// </summary>
internal static class LogicalAttributes
{
    /// <summary>16 bytes; a 64-bit (16 hex character) id is left-padded with zeros, as OTLP requires 16 bytes.</summary>
    public static byte[] TraceId16(LogicalSpan span)
    {
        if (!Model.TraceId.TryParseHex(span.TraceId, out TraceId id))
            throw new ArgumentException($"span {span.SpanId}: trace id \"{span.TraceId}\" is not 1-32 hex characters", nameof(span));
        var bytes = new byte[16];
        id.WriteBytes(bytes);
        return bytes;
    }

    /// <summary>8 bytes for a 64-bit trace id (Zipkin keeps the width), else 16.</summary>
    public static byte[] TraceIdNative(LogicalSpan span)
    {
        byte[] bytes = TraceId16(span);
        return span.TraceId.Length <= 16 ? bytes[8..] : bytes;
    }

    public static byte[] SpanId8(string hex, string what)
    {
        if (!Model.SpanId.TryParseHex(hex, out SpanId id))
            throw new ArgumentException($"{what} \"{hex}\" is not 1-16 hex characters", nameof(hex));
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, id.Value);
        return bytes;
    }

    public static bool HasParent(LogicalSpan span) => !string.IsNullOrEmpty(span.ParentSpanId);

    /// <summary>Lowercase hex of the canonical width (32 or 16), as Zipkin JSON and OTLP JSON write it.</summary>
    public static string TraceHex(LogicalSpan span, bool force128)
    {
        Model.TraceId.TryParseHex(span.TraceId, out TraceId id);
        string full = id.ToString();
        return !force128 && span.TraceId.Length <= 16 ? full[16..] : full;
    }

    public static string SpanHex(string hex)
    {
        Model.SpanId.TryParseHex(hex, out SpanId id);
        return id.ToString();
    }

    /// <summary>
    /// The string attributes of a span, in a fixed order: <c>peer.service</c> (or the remote service name when unset, as
    /// <see cref="LogicalSpan.RemoteServiceName"/> documents), <c>server.address</c>, <c>db.system</c>, <c>db.name</c>,
    /// <c>messaging.system</c>. Zipkin passes <paramref name="includeRemoteService"/> false and writes the remote
    /// service into <c>remoteEndpoint</c> instead.
    /// </summary>
    public static List<KeyValuePair<string, string>> Strings(LogicalSpan span, bool includeRemoteService)
    {
        var list = new List<KeyValuePair<string, string>>(5);
        string? peer = includeRemoteService ? span.PeerService ?? span.RemoteServiceName : span.PeerService;
        Add(list, "peer.service", peer);
        Add(list, "server.address", span.ServerAddress);
        Add(list, "db.system", span.DbSystem);
        Add(list, "db.name", span.DbName);
        Add(list, "messaging.system", span.MessagingSystem);
        return list;
    }

    private static void Add(List<KeyValuePair<string, string>> list, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value)) list.Add(new(key, value));
    }

    /// <summary>Jaeger's <c>span.kind</c> tag value.</summary>
    public static string? JaegerKind(SpanKind kind) => kind switch
    {
        SpanKind.Server => "server",
        SpanKind.Client => "client",
        SpanKind.Producer => "producer",
        SpanKind.Consumer => "consumer",
        SpanKind.Internal => "internal",
        _ => null,
    };

    /// <summary>Splits <paramref name="spans"/> into chunks of at most <paramref name="max"/>.</summary>
    public static IEnumerable<ArraySegment<LogicalSpan>> Chunks(IReadOnlyList<LogicalSpan> spans, int max)
    {
        if (max < 1) throw new ArgumentOutOfRangeException(nameof(max), max, "maxSpansPerMessage must be at least 1");
        LogicalSpan[] all = spans as LogicalSpan[] ?? [.. spans];
        for (int i = 0; i < all.Length; i += max) yield return new ArraySegment<LogicalSpan>(all, i, Math.Min(max, all.Length - i));
    }
}
