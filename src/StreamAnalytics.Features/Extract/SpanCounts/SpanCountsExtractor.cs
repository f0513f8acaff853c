using System.Runtime.InteropServices;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.SpanCounts;

/// <summary>
/// <c>spanCounts</c> (spans per <c>service::operation</c>), <c>serviceCount</c> and <c>errorCount</c>: the book
/// exercise's SpanCountJob feature.
/// </summary>
/// <remarks>The counting is done by <see cref="OperationGroups"/> (shared with self time); this writes the document.</remarks>
internal static class SpanCountsExtractor
{
    /// <summary>Separator between service and operation in keys.</summary>
    public const string Separator = "::";

    public static void Extract(OperationGroups groups, TraceFeatures into)
    {
        var counts = into.SpanCounts;
        counts.EnsureCapacity(counts.Count + groups.Count); // one allocation instead of a resize per doubling
        for (int g = 0; g < groups.Count; g++)
        {
            // += because two pairs can render to the same key ("a::b" + "c" and "a" + "b::c").
            CollectionsMarshal.GetValueRefOrAddDefault(counts, groups.Name(g), out _) += groups.SpanCount(g);
        }
        into.ServiceCount = groups.ServiceCount;
        into.ErrorCount = groups.ErrorCount;
    }

    /// <summary>The <c>service::operation</c> key shared by the features that count per operation.</summary>
    public static string OperationKey(StringTable strings, int service, int operation) =>
        string.Concat(strings[service], Separator, strings[operation]);
}
