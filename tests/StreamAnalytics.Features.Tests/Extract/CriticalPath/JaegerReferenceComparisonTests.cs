using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.CriticalPath;

/// <summary>
/// Random well-formed traces (unique ids; parents earlier in the trace, missing or none; random kinds and FOLLOWS_FROM
/// flags; fine and coarse times, so ties, back-to-back calls and overflowing children are common) against a plain,
/// recursive restatement of Jaeger UI's algorithm written for this test: the extractor must give the same sections.
/// </summary>
public class JaegerReferenceComparisonTests
{
    private static TestTrace RandomTrace(Random rng)
    {
        int n = rng.Next(1, 40);
        bool coarse = rng.Next(2) == 0;
        var t = new TestTrace();
        for (int i = 0; i < n; i++)
        {
            int roll = rng.Next(12);
            ulong parent = i == 0 || roll == 0 ? 0 : roll == 1 ? 5000UL + (ulong)rng.Next(9) : (ulong)rng.Next(1, i + 1);
            long start = coarse ? rng.Next(0, 20) * 50 : rng.Next(0, 1000);
            long duration = coarse ? rng.Next(0, 8) * 50 : rng.Next(0, 400);
            t.Add((ulong)(i + 1), parent, "s" + rng.Next(4), start, duration,
                kind: (SpanKind)rng.Next(0, 6), followsFrom: rng.Next(8) == 0);
        }
        return t;
    }

    /// <summary>
    /// Jaeger UI's critical path, restated directly: the root is the earliest span without a parent; children in start
    /// order; non-blocking children (FOLLOWS_FROM, CONSUMER under PRODUCER) dropped with their subtrees; each child
    /// clipped to its clipped parent or dropped with its subtree; then the recursive walk from the root's end. Adjacent
    /// sections of one span are merged, the one difference of form the extractor documents.
    /// </summary>
    private static List<(ulong Span, long Start, long End)> Reference(TestTrace trace)
    {
        Span[] spans = trace.Build().Spans.ToArray();
        var index = new Dictionary<ulong, int>();
        for (int i = 0; i < spans.Length; i++) index[spans[i].SpanId.Value] = i;
        int root = -1;
        for (int i = 0; i < spans.Length; i++)
        {
            if (spans[i].ParentSpanId.IsEmpty && (root < 0 || spans[i].StartUnixNanos < spans[root].StartUnixNanos)) root = i;
        }
        var parentOf = new int[spans.Length];
        var children = new List<int>[spans.Length];
        for (int i = 0; i < spans.Length; i++) children[i] = [];
        for (int i = 0; i < spans.Length; i++)
        {
            parentOf[i] = !spans[i].ParentSpanId.IsEmpty && index.TryGetValue(spans[i].ParentSpanId.Value, out int p) ? p : -1;
            if (parentOf[i] >= 0) children[parentOf[i]].Add(i);
        }
        for (int i = 0; i < spans.Length; i++) children[i] = children[i].OrderBy(c => spans[c].StartUnixNanos).ToList();

        var start = new long[spans.Length];
        var end = new long[spans.Length];
        var kept = new bool[spans.Length];
        start[root] = spans[root].StartUnixNanos / 1000;
        end[root] = (spans[root].StartUnixNanos + spans[root].DurationNanos) / 1000;
        kept[root] = true;
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            int p = queue.Dequeue();
            foreach (int c in children[p])
            {
                bool blocking = (spans[c].Flags & SpanFlags.FollowsFrom) == 0
                    && !(spans[c].Kind == SpanKind.Consumer && spans[p].Kind == SpanKind.Producer);
                long s = spans[c].StartUnixNanos / 1000, e = (spans[c].StartUnixNanos + spans[c].DurationNanos) / 1000;
                if (!blocking || s >= end[p] || (s < start[p] && e <= start[p])) continue;
                start[c] = Math.Max(s, start[p]);
                end[c] = Math.Min(e, end[p]);
                kept[c] = true;
                queue.Enqueue(c);
            }
        }

        var backToFront = new List<(ulong, long, long)>();
        void Walk(int span, long? returningChildStart)
        {
            int lastFinishing = -1;
            foreach (int c in children[span])
            {
                if (!kept[c] || (returningChildStart is { } limit && end[c] >= limit)) continue;
                if (lastFinishing < 0 || end[c] > end[lastFinishing]) lastFinishing = c;
            }
            long sectionEnd = returningChildStart ?? end[span];
            long sectionStart = lastFinishing >= 0 ? end[lastFinishing] : start[span];
            if (sectionStart != sectionEnd) backToFront.Add((spans[span].SpanId.Value, sectionStart, sectionEnd));
            if (lastFinishing >= 0) Walk(lastFinishing, null);
            else if (span != root) Walk(parentOf[span], start[span]);
        }
        Walk(root, null);

        var sections = new List<(ulong Span, long Start, long End)>();
        for (int k = backToFront.Count - 1; k >= 0; k--)
        {
            var s = backToFront[k];
            if (sections.Count > 0 && sections[^1].Span == s.Item1 && sections[^1].End == s.Item2)
                sections[^1] = (s.Item1, sections[^1].Start, s.Item3);
            else sections.Add(s);
        }
        return sections;
    }

    [Fact]
    public void The_extractor_gives_the_sections_of_jaeger_s_algorithm_on_random_traces()
    {
        for (int seed = 0; seed < 1500; seed++)
        {
            TestTrace trace = RandomTrace(new Random(seed));

            TraceFeatures f = Features.Of(trace);

            var actual = f.CriticalPath.Select(s => (Convert.ToUInt64(s.SpanId, 16), s.StartUs, s.EndUs)).ToList();
            var expected = Reference(trace);
            if (!expected.SequenceEqual(actual))
                Assert.Fail($"seed {seed}: expected {string.Join(" ", expected)}, got {string.Join(" ", actual)}");
        }
    }
}
