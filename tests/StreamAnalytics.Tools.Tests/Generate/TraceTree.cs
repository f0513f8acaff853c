using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Tools.Tests.Generate;

/// <summary>One generated trace indexed by span id, for structural assertions.</summary>
internal sealed class TraceTree
{
    private readonly Dictionary<string, LogicalSpan> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<LogicalSpan>> _children = new(StringComparer.Ordinal);

    public TraceTree(IReadOnlyList<LogicalSpan> spans)
    {
        Spans = spans;
        foreach (LogicalSpan span in spans)
        {
            Assert.True(_byId.TryAdd(span.SpanId, span), $"span id {span.SpanId} appears twice in trace {span.TraceId}");
        }

        foreach (LogicalSpan span in spans)
        {
            if (span.ParentSpanId is not null)
            {
                if (!_children.TryGetValue(span.ParentSpanId, out List<LogicalSpan>? list))
                {
                    _children[span.ParentSpanId] = list = [];
                }

                list.Add(span);
            }
        }
    }

    public IReadOnlyList<LogicalSpan> Spans { get; }

    public LogicalSpan Root => Spans.Single(s => s.ParentSpanId is null);

    public LogicalSpan? ParentOf(LogicalSpan span) =>
        span.ParentSpanId is not null && _byId.TryGetValue(span.ParentSpanId, out LogicalSpan? parent) ? parent : null;

    public IReadOnlyList<LogicalSpan> ChildrenOf(LogicalSpan span) =>
        _children.TryGetValue(span.SpanId, out List<LogicalSpan>? list) ? list : [];

    /// <summary>Number of spans on the longest root-to-leaf path.</summary>
    public int Depth()
    {
        int deepest = 0;
        var stack = new Stack<(LogicalSpan Span, int Level)>();
        stack.Push((Root, 1));
        while (stack.Count > 0)
        {
            (LogicalSpan span, int level) = stack.Pop();
            deepest = Math.Max(deepest, level);
            foreach (LogicalSpan child in ChildrenOf(span))
            {
                stack.Push((child, level + 1));
            }
        }

        return deepest;
    }

    public static long End(LogicalSpan span) => span.StartUnixNanos + span.DurationNanos;

    public static bool Inside(LogicalSpan child, LogicalSpan parent) =>
        child.StartUnixNanos >= parent.StartUnixNanos && End(child) <= End(parent);
}
