using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Repartition;

/// <summary>
/// Splits one decoded input message (an OTLP batch holds spans of many traces) into one group per trace id, for the
/// repartition hop: the caller produces one <c>{app}-spans-by-trace</c> record per group, keyed by
/// <see cref="TraceIdKey.WriteKey"/>.
/// </summary>
/// <remarks>
/// Groups come out in order of each trace's first span, and spans keep their input order inside a group, so arrival
/// order survives the hop. A counting sort over reused buffers: after warm-up a split allocates nothing.
/// Not thread-safe; one per task. The groups are valid until the next <see cref="Split(SpanBatch)"/>.
/// Spans are grouped by <see cref="TraceIdKey.JoinKey"/>: with <c>assembly.trace.id.strict=false</c> the 64-bit and
/// 128-bit forms of one id are one group, whose <see cref="GroupTraceId"/> is the 64-bit key; the spans keep their ids.
/// </remarks>
public sealed class TraceSplitter
{
    private readonly bool _strictTraceId;
    private readonly Dictionary<TraceId, int> _groupByTrace = new();
    private TraceId[] _groupTraceIds = new TraceId[16];
    private int[] _groupStart = new int[17];
    private int[] _groupOfSpan = new int[256];
    private ModelSpan[] _sorted = new ModelSpan[256];
    private int[] _cursor = new int[16];

    /// <summary>Creates a splitter.</summary>
    /// <param name="strictTraceId"><c>assembly.trace.id.strict</c>: false groups by the lower 64 bits of the trace id.</param>
    public TraceSplitter(bool strictTraceId = true) => _strictTraceId = strictTraceId;

    /// <summary>Number of groups found by the last <see cref="Split(SpanBatch)"/>.</summary>
    public int GroupCount { get; private set; }

    /// <summary>Groups <paramref name="batch"/>'s spans by trace id.</summary>
    /// <returns>The number of groups.</returns>
    public int Split(SpanBatch batch) => Split(batch.Spans);

    /// <summary>Groups <paramref name="spans"/> by trace id.</summary>
    /// <returns>The number of groups.</returns>
    public int Split(ReadOnlySpan<ModelSpan> spans)
    {
        _groupByTrace.Clear();
        if (_groupOfSpan.Length < spans.Length)
        {
            _groupOfSpan = new int[Math.Max(spans.Length, _groupOfSpan.Length * 2)];
            _sorted = new ModelSpan[_groupOfSpan.Length];
        }
        if (spans.Length > 0 && OneGroup(spans)) return SplitOneGroup(spans);

        // Pass 1: group id of each span and the size of each group (kept in _groupStart[g + 1]).
        int groups = 0;
        TraceId previous = TraceId.Empty;
        int previousGroup = -1;
        for (int i = 0; i < spans.Length; i++)
        {
            TraceId id = TraceIdKey.JoinKey(spans[i].TraceId, _strictTraceId);
            int g;
            if (previousGroup >= 0 && id == previous)
            {
                g = previousGroup; // batches are mostly runs of one trace: skip the lookup
            }
            else if (!_groupByTrace.TryGetValue(id, out g))
            {
                g = groups++;
                if (g == _groupTraceIds.Length)
                {
                    Array.Resize(ref _groupTraceIds, g * 2);
                    Array.Resize(ref _groupStart, g * 2 + 1);
                }
                _groupByTrace.Add(id, g);
                _groupTraceIds[g] = id;
                _groupStart[g + 1] = 0;
            }
            _groupOfSpan[i] = g;
            _groupStart[g + 1]++;
            previous = id;
            previousGroup = g;
        }

        // Pass 2: prefix sums turn sizes into start offsets.
        _groupStart[0] = 0;
        for (int g = 0; g < groups; g++) _groupStart[g + 1] += _groupStart[g];

        // Pass 3: stable scatter; each group's write cursor starts at its offset, so input order holds inside a group.
        if (_cursor.Length < groups) _cursor = new int[_groupTraceIds.Length];
        int[] cursor = _cursor;
        for (int g = 0; g < groups; g++) cursor[g] = _groupStart[g];
        for (int i = 0; i < spans.Length; i++) _sorted[cursor[_groupOfSpan[i]]++] = spans[i];

        GroupCount = groups;
        return groups;
    }

    /// <summary>True when every span has the first span's key (one span per message, as Jaeger's writer sends).</summary>
    private bool OneGroup(ReadOnlySpan<ModelSpan> spans)
    {
        TraceId first = TraceIdKey.JoinKey(spans[0].TraceId, _strictTraceId);
        for (int i = 1; i < spans.Length; i++)
        {
            if (TraceIdKey.JoinKey(spans[i].TraceId, _strictTraceId) != first) return false;
        }
        return true;
    }

    /// <summary>One group, in input order: no lookup table and no scatter.</summary>
    private int SplitOneGroup(ReadOnlySpan<ModelSpan> spans)
    {
        _groupTraceIds[0] = TraceIdKey.JoinKey(spans[0].TraceId, _strictTraceId);
        _groupStart[0] = 0;
        _groupStart[1] = spans.Length;
        spans.CopyTo(_sorted);
        GroupCount = 1;
        return 1;
    }

    /// <summary>The key of group <paramref name="group"/>: its trace id (the lower 64 bits of it when not strict).</summary>
    public TraceId GroupTraceId(int group)
    {
        if ((uint)group >= (uint)GroupCount) throw new ArgumentOutOfRangeException(nameof(group));
        return _groupTraceIds[group];
    }

    /// <summary>The spans of group <paramref name="group"/>, in input order.</summary>
    public ReadOnlySpan<ModelSpan> Group(int group) => GroupMemory(group).Span;

    /// <summary>As <see cref="Group"/>, as memory (to lend in a <see cref="SpanGroup"/>; valid until the next split).</summary>
    public ReadOnlyMemory<ModelSpan> GroupMemory(int group)
    {
        if ((uint)group >= (uint)GroupCount) throw new ArgumentOutOfRangeException(nameof(group));
        return _sorted.AsMemory(_groupStart[group], _groupStart[group + 1] - _groupStart[group]);
    }
}
