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

    /// <summary>The public list, in the same order.</summary>
    public static List<CriticalPathSection> ToList(CriticalPathEntry[]? entries)
    {
        if (entries is null) return [];
        var list = new List<CriticalPathSection>(entries.Length);
        foreach (CriticalPathEntry e in entries) list.Add(new CriticalPathSection
        {
            SpanId = new Formats.Model.SpanId(e.SpanId).ToString(),
            Service = e.Service,
            StartUs = e.StartUs,
            EndUs = e.EndUs,
        });
        return list;
    }
}
