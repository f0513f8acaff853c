using System.Globalization;

namespace StreamAnalytics.Features.Extract.Compact;

/// <summary>
/// One <see cref="CriticalPathSection"/> as the extractor stores it: a struct in one exactly-sized array per trace
/// instead of an object (and a list slot) per section. A typical trace has ~27 sections.
/// </summary>
internal readonly struct CriticalPathEntry(ulong spanId, string service, long startUs, long endUs)
{
    public readonly ulong SpanId = spanId;
    public readonly string Service = service;
    public readonly long StartUs = startUs;
    public readonly long EndUs = endUs;

    /// <summary>The public list, in the same order; each section formats its span id on first read.</summary>
    public static List<CriticalPathSection> ToList(CriticalPathEntry[]? entries)
    {
        if (entries is null) return [];
        var list = new List<CriticalPathSection>(entries.Length);
        foreach (CriticalPathEntry e in entries) list.Add(CriticalPathSection.Create(e.SpanId, e.Service, e.StartUs, e.EndUs));
        return list;
    }

    /// <summary>The 16-character span id, formatted into <paramref name="destination"/>.</summary>
    public static void FormatSpanId(ulong spanId, Span<char> destination) =>
        spanId.TryFormat(destination, out _, "x16", CultureInfo.InvariantCulture);
}
