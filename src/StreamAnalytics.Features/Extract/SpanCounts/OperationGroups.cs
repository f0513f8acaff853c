using StreamAnalytics.Features.Extract.Collections;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.SpanCounts;

/// <summary>
/// The spans of one trace grouped by (service, operation), once for every feature keyed by <c>service::operation</c>
/// (span counts, self time): each span's group number, each group's span count and key string, and the trace's error
/// and service counts, which fall out of the same pass.
/// </summary>
/// <remarks>
/// <para>
/// The (service, operation) pairs are interned in a table that outlives the trace, together with their
/// <c>service::operation</c> string, so a span costs one probe and a key string is built once per distinct pair for
/// the life of the extractor (the same few hundred pairs recur in every trace of a system). Groups are numbered per
/// trace in order of first appearance, which is the order the features insert their keys in.
/// </para>
/// <para>
/// Bounded: past <see cref="MaxOperations"/> remembered pairs (a cardinality explosion in operation names, or one
/// huge trace) the table starts over after the trace instead of growing. Ids are only meaningful within one
/// <see cref="StringTable"/>, so it also starts over when the table changes. Not thread-safe: one per extractor.
/// </para>
/// </remarks>
internal sealed class OperationGroups
{
    public const int MaxOperations = 16_384;

    private const int Initial = 64;

    // Remembered across traces: pair → operation number, with its key string once made.
    private readonly DenseKeyTable _operations = new();
    private string?[] _names = new string?[Initial];
    private int[] _groupIn = new int[Initial];  // trace number that last used the operation
    private int[] _groupOf = new int[Initial];  // its group number in that trace
    private int _trace;
    private StringTable? _strings;

    // This trace.
    private int[] _groupOperation = new int[Initial];
    private int[] _spanCounts = new int[Initial];
    private int _groupCount;
    private int[] _spanGroup = [];
    private int _spanTotal;
    private readonly DenseKeyTable _services = new();

    /// <summary>Distinct (service, operation) pairs in the trace.</summary>
    public int Count => _groupCount;

    /// <summary>The group number of each span.</summary>
    public ReadOnlySpan<int> GroupOf => _spanGroup.AsSpan(0, _spanTotal);

    /// <summary>Spans with the error flag.</summary>
    public int ErrorCount { get; private set; }

    /// <summary>Distinct services.</summary>
    public int ServiceCount { get; private set; }

    /// <summary>Remembered pairs (for tests of the bound).</summary>
    internal int RememberedOperations => _operations.Count;

    /// <summary>Spans in group <paramref name="group"/>.</summary>
    public int SpanCount(int group) => _spanCounts[group];

    /// <summary>The <c>service::operation</c> key of group <paramref name="group"/>.</summary>
    public string Name(int group)
    {
        int op = _groupOperation[group];
        if (_names[op] is { } name) return name;
        long key = _operations.KeyAt(op);
        return _names[op] = SpanCountsExtractor.OperationKey(_strings!, (int)(key >> 32), (int)key);
    }

    public void Build(ReadOnlySpan<Span> spans, StringTable strings)
    {
        if (!ReferenceEquals(strings, _strings) || _trace == int.MaxValue) Forget();
        _strings = strings;
        _trace++;
        _groupCount = 0;
        if (_spanGroup.Length < spans.Length) _spanGroup = new int[Math.Max(spans.Length, 16)];
        int errors = 0;
        for (int i = 0; i < spans.Length; i++)
        {
            ref readonly Span s = ref spans[i];
            int known = _operations.Count;
            int op = _operations.GetOrAdd(((long)s.Service << 32) | (uint)s.Operation);
            if (op == known) Remember(op);
            int g = _groupIn[op] == _trace ? _groupOf[op] : NewGroup(op);
            _spanCounts[g]++;
            _spanGroup[i] = g;
            if (s.IsError) errors++;
        }
        _spanTotal = spans.Length;
        ErrorCount = errors;

        // Services are counted over the groups, not the spans: far fewer probes.
        _services.Clear();
        for (int g = 0; g < _groupCount; g++) _services.GetOrAdd(_operations.KeyAt(_groupOperation[g]) >> 32);
        ServiceCount = _services.Count;
    }

    /// <summary>Enforces the bounds; call when the groups are no longer read.</summary>
    public void Release()
    {
        if (_operations.Count > MaxOperations) Forget();
        if (_spanGroup.Length > TraceTree.RetainedCapacity) _spanGroup = [];
        if (_groupOperation.Length > TraceTree.RetainedCapacity)
        {
            _groupOperation = new int[Initial];
            _spanCounts = new int[Initial];
        }
        _services.TrimTo(TraceTree.RetainedCapacity);
        _spanTotal = _groupCount = 0;
    }

    private void Remember(int op)
    {
        if (op == _names.Length)
        {
            Array.Resize(ref _names, op * 2);
            Array.Resize(ref _groupIn, op * 2);
            Array.Resize(ref _groupOf, op * 2);
        }
        _names[op] = null;
        _groupIn[op] = 0;
    }

    private int NewGroup(int op)
    {
        int g = _groupCount++;
        if (g == _groupOperation.Length)
        {
            Array.Resize(ref _groupOperation, g * 2);
            Array.Resize(ref _spanCounts, g * 2);
        }
        _groupOperation[g] = op;
        _spanCounts[g] = 0;
        _groupIn[op] = _trace;
        _groupOf[op] = g;
        return g;
    }

    private void Forget()
    {
        _operations.TrimTo(TraceTree.RetainedCapacity);
        if (_names.Length > Initial)
        {
            _names = new string?[Initial];
            _groupIn = new int[Initial];
            _groupOf = new int[Initial];
        }
        _trace = 0;
    }
}
