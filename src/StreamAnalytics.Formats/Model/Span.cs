using System.Runtime.InteropServices;

namespace StreamAnalytics.Formats.Model;

/// <summary>
/// One span in the engine's compact form: what the runtime holds for every open span, so it is a 64-byte struct of
/// ids, times and interned string ids (see <see cref="StringTable"/>), with no references and no attribute dictionary.
/// </summary>
/// <remarks>Times are in nanoseconds since the Unix epoch; formats with microsecond precision multiply by 1000.</remarks>
[StructLayout(LayoutKind.Sequential)]
public struct Span
{
    public TraceId TraceId;
    public SpanId SpanId;
    /// <summary><see cref="SpanId.Empty"/> for a root span.</summary>
    public SpanId ParentSpanId;
    public long StartUnixNanos;
    /// <summary>Never negative (a negative input is clamped and flagged <see cref="SpanFlags.NegativeDuration"/>).</summary>
    public long DurationNanos;
    /// <summary>Interned service name (<see cref="StringTable"/> id); <see cref="StringTable.Unknown"/> when absent.</summary>
    public int Service;
    /// <summary>Interned operation (span) name.</summary>
    public int Operation;
    /// <summary>Interned remote peer name, or 0 (<see cref="StringTable.None"/>) when <see cref="PeerKind"/> is None.</summary>
    public int Peer;
    public SpanKind Kind;
    public SpanFlags Flags;
    public PeerKind PeerKind;

    public readonly long EndUnixNanos => StartUnixNanos + DurationNanos;
    public readonly bool IsError => (Flags & SpanFlags.Error) != 0;
    public readonly bool IsRoot => ParentSpanId.IsEmpty;
}
