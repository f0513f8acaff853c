using StreamAnalytics.Bench.Book;

namespace StreamAnalytics.Bench.Tests;

/// <summary>The book-job phase's output check, which guards every ratio it prints: a wrong engine must not be compared.</summary>
public class BookOutputCheckTests
{
    private static Dictionary<string, SortedDictionary<string, int>> Counts(params (string Trace, string Op, int N)[] rows)
    {
        var result = new Dictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        foreach (var (trace, op, n) in rows)
        {
            if (!result.TryGetValue(trace, out var c)) result[trace] = c = new SortedDictionary<string, int>(StringComparer.Ordinal);
            c[op] = n;
        }
        return result;
    }

    private static BookJobBenchmark.OutputCounts Output(params (string Trace, string Op, int N)[] rows) => new(Counts(rows), rows.Length);

    [Fact]
    public void Equal_outputs_pass()
    {
        var expected = Counts(("t1", "a::x", 2), ("t1", "b::y", 1), ("t2", "a::x", 1));
        Assert.Null(BookJobBenchmark.Compare(Output(("t1", "a::x", 2), ("t1", "b::y", 1), ("t2", "a::x", 1)), expected));
    }

    [Fact]
    public void A_wrong_count_a_missing_trace_and_an_unknown_trace_are_each_reported()
    {
        var expected = Counts(("t1", "a::x", 2), ("t2", "a::x", 1));
        Assert.Contains("1 traces differ", BookJobBenchmark.Compare(Output(("t1", "a::x", 3), ("t2", "a::x", 1)), expected));
        Assert.Contains("got nothing", BookJobBenchmark.Compare(Output(("t1", "a::x", 2)), expected));
        Assert.Contains("not in the input", BookJobBenchmark.Compare(Output(("t1", "a::x", 2), ("t2", "a::x", 1), ("t3", "a::x", 1)), expected));
        // An extra operation in a trace is a difference too (a split trace summed twice shows as a wrong count).
        Assert.NotNull(BookJobBenchmark.Compare(Output(("t1", "a::x", 2), ("t1", "c::z", 1), ("t2", "a::x", 1)), expected));
    }
}
