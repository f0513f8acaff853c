using StreamAnalytics.Features.Extract.Tree;

namespace StreamAnalytics.Features.Extract.Structure;

/// <summary>
/// <c>depth</c> (spans on the longest root-to-leaf chain; a single span has depth 1) and <c>maxFanOut</c> (the most
/// direct children of one span), over the forest of <see cref="TraceTree"/>.
/// </summary>
/// <remarks>One top-down pass in <see cref="TraceTree.Order"/>; no recursion. Not thread-safe.</remarks>
internal sealed class StructureExtractor
{
    private int[] _depth = [];

    public void Extract(TraceTree tree, TraceFeatures into)
    {
        int n = tree.Count;
        if (_depth.Length < n) _depth = new int[n];
        ReadOnlySpan<int> parent = tree.Parent;
        int maxDepth = 0, maxFanOut = 0;
        foreach (int i in tree.Order)
        {
            int p = parent[i];
            int d = p < 0 ? 1 : _depth[p] + 1;
            _depth[i] = d;
            if (d > maxDepth) maxDepth = d;
            int fanOut = tree.ChildCount(i);
            if (fanOut > maxFanOut) maxFanOut = fanOut;
        }
        into.Depth = maxDepth;
        into.MaxFanOut = maxFanOut;
        if (_depth.Length > TraceTree.RetainedCapacity) _depth = [];
    }
}
