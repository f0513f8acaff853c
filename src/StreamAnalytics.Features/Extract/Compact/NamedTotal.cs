namespace StreamAnalytics.Features.Extract.Compact;

/// <summary>
/// One entry of a <c>name → microseconds</c> feature map (<c>selfTimeByOperation</c>, <c>criticalPathByService</c>)
/// as the extractor stores it: in an array, in the order the dictionary would have been filled. Two entries may carry
/// the same name (two (service, operation) pairs can render to the same key, a real service can be called
/// <c>untraced</c>): their values add up, in the dictionary and in the document.
/// </summary>
internal readonly struct NamedTotal(string name, long value)
{
    public readonly string Name = name;
    public readonly long Value = value;

    /// <summary>Orders by name (ordinal), as documents write map keys.</summary>
    public static readonly IComparer<NamedTotal> ByName = Comparer<NamedTotal>.Create(static (a, b) => string.CompareOrdinal(a.Name, b.Name));

    /// <summary>The public dictionary, filled in entry order (so it enumerates as the extractor used to fill it).</summary>
    public static Dictionary<string, long> ToDictionary(NamedTotal[]? entries)
    {
        if (entries is null) return new(StringComparer.Ordinal);
        var map = new Dictionary<string, long>(entries.Length, StringComparer.Ordinal);
        foreach (NamedTotal e in entries)
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(map, e.Name, out _) += e.Value;
        }
        return map;
    }
}
