using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract;

/// <summary>
/// Builds traces straight from <see cref="Span"/> structs, with names interned in a test-local table, so extractor
/// tests do not depend on any decoder. Times are given in microseconds.
/// </summary>
internal sealed class TestTrace
{
    private readonly List<Span> _spans = new();

    public StringTable Strings { get; }

    /// <param name="strings">The table names are interned in; a new small one by default.</param>
    public TestTrace(StringTable? strings = null) => Strings = strings ?? new StringTable();

    public static readonly TraceId Id = new(0x0123456789abcdef, 0xfedcba9876543210);

    public int Count => _spans.Count;

    public TestTrace Add(
        ulong id,
        ulong parent,
        string? service,
        long startUs = 0,
        long durationUs = 0,
        SpanKind kind = SpanKind.Unspecified,
        string operation = "op",
        bool error = false,
        string? peer = null,
        PeerKind peerKind = PeerKind.Service,
        bool shared = false,
        bool followsFrom = false)
    {
        var flags = SpanFlags.None;
        if (error) flags |= SpanFlags.Error;
        if (shared) flags |= SpanFlags.Shared;
        if (followsFrom) flags |= SpanFlags.FollowsFrom;
        _spans.Add(new Span
        {
            TraceId = Id,
            SpanId = new SpanId(id),
            ParentSpanId = new SpanId(parent),
            StartUnixNanos = startUs * 1000,
            DurationNanos = durationUs * 1000,
            Service = service is null ? StringTable.Unknown : Strings.Intern(service),
            Operation = Strings.Intern(operation),
            Peer = peer is null ? StringTable.None : Strings.Intern(peer),
            PeerKind = peer is null ? PeerKind.None : peerKind,
            Kind = kind,
            Flags = flags,
        });
        return this;
    }

    /// <summary>Adds a raw span (for hostile values the helper does not allow).</summary>
    public TestTrace AddRaw(Span span)
    {
        _spans.Add(span);
        return this;
    }

    public Trace Build(CompletionReason reason = CompletionReason.EndOfInput, int revision = 0, bool truncated = false, int dropped = 0) =>
        new(Id, _spans.ToArray(), _spans.Count, Strings)
        {
            Reason = reason,
            Revision = revision,
            Truncated = truncated,
            DroppedSpans = dropped,
        };
}
