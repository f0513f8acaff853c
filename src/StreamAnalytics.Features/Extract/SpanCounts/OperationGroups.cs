using StreamAnalytics.Features.Extract.Collections;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.SpanCounts;

/// <summary>
/// The spans of one trace grouped by (service, operation), once for every feature keyed by <c>service::operation</c>
/// (span counts, self time): each span's group number, each group's span count, and the trace's error and service
/// counts, which fall out of the same pass.
/// </summary>
/// <remarks>
/// Groups are numbered in order of first appearance; a group's key string comes from an <see cref="OperationKeyCache"/>,
/// so it is built once per distinct pair for the life of the extractor, not once per trace or per feature.
/// Not thread-safe: one per extractor, rebuilt by <see cref="Build"/> for every trace.
/// </remarks>
internal sealed class OperationGroups
{
    private readonly DenseKeyTable _groups = new();
    private readonly DenseKeyTable _services = new();
    private readonly OperationKeyCache _names = new();
    private int[] _groupOf = [];
    private int[] _spanCounts = new int[16];
    private int _spanTotal;

    /// <summary>Distinct (service, operation) pairs in the trace.</summary>
    public int Count => _groups.Count;

    /// <summary>The group number of each span.</summary>
    public ReadOnlySpan<int> GroupOf => _groupOf.AsSpan(0, _spanTotal);

    /// <summary>Spans with the error flag.</summary>
    public int ErrorCount { get; private set; }

    /// <summary>Distinct services.</summary>
    public int ServiceCount { get; private set; }

    /// <summary>Spans in group <paramref name="group"/>.</summary>
    public int SpanCount(int group) => _spanCounts[group];

    /// <summary>The <c>service::operation</c> key of group <paramref name="group"/>.</summary>
    public string Name(int group, StringTable strings)
    {
        long key = _groups.KeyAt(group);
        return _names.Get(strings, (int)(key >> 32), (int)key);
    }

    public void Build(ReadOnlySpan<Span> spans)
    {
        _groups.Clear();
        if (_groupOf.Length < spans.Length) _groupOf = new int[Math.Max(spans.Length, 16)];
        int errors = 0;
        for (int i = 0; i < spans.Length; i++)
        {
            ref readonly Span s = ref spans[i];
            int known = _groups.Count;
            int g = _groups.GetOrAdd(((long)s.Service << 32) | (uint)s.Operation);
            if (g == known) NewGroup(g);
            _spanCounts[g]++;
            _groupOf[i] = g;
            if (s.IsError) errors++;
        }
        ErrorCount = errors;
        _spanTotal = spans.Length;

        // Services are counted over the groups, not the spans: far fewer probes.
        _services.Clear();
        for (int g = 0; g < _groups.Count; g++) _services.GetOrAdd(_groups.KeyAt(g) >> 32);
        ServiceCount = _services.Count;
    }

    /// <summary>Drops buffers grown by a huge trace; call when the groups are no longer read.</summary>
    public void Release()
    {
        if (_groupOf.Length > TraceTree.RetainedCapacity) _groupOf = [];
        if (_spanCounts.Length > TraceTree.RetainedCapacity) _spanCounts = new int[16];
        _groups.TrimTo(TraceTree.RetainedCapacity);
        _services.TrimTo(TraceTree.RetainedCapacity);
        _spanTotal = 0;
    }

    private void NewGroup(int g)
    {
        if (g == _spanCounts.Length) Array.Resize(ref _spanCounts, g * 2);
        _spanCounts[g] = 0;
    }
}
