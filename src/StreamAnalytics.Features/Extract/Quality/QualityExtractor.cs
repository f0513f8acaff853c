using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract.Tree;

namespace StreamAnalytics.Features.Extract.Quality;

/// <summary>
/// Trace-quality flags: orphans, duplicate span ids, cycles (from <see cref="TraceTree"/>), clock skew (a span that
/// starts before or ends after its tree parent, compared in nanoseconds) and truncation (from the assembler).
/// </summary>
internal static class QualityExtractor
{
    public static void Extract(TraceTree tree, Trace trace, TraceFeatures into)
    {
        ReadOnlySpan<int> parent = tree.Parent;
        ReadOnlySpan<long> start = tree.StartNs, end = tree.EndNs;
        int skewed = 0;
        for (int i = 0; i < parent.Length; i++)
        {
            int p = parent[i];
            if (p >= 0 && (start[i] < start[p] || end[i] > end[p])) skewed++;
        }
        TraceQuality q = into.Quality;
        q.OrphanSpans = tree.OrphanCount;
        q.DuplicateSpanIds = tree.DuplicateCount;
        q.CycleSpans = tree.CycleCount;
        q.ClockSkewSpans = skewed;
        q.Truncated = trace.Truncated || trace.DroppedSpans > 0;
        q.DroppedSpans = trace.DroppedSpans;
    }
}
