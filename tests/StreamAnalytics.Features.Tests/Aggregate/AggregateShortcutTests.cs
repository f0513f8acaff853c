using System.Text;
using System.Text.Json;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Aggregate;

/// <summary>
/// The aggregator finds series through shortcuts (interned ids, string instances) in front of the name-keyed map; these
/// tests pin that a shortcut never gives another answer than the name lookup would.
/// </summary>
public class AggregateShortcutTests
{
    private const long T0 = 1_767_225_600_000; // a window boundary
    private static readonly string[] Services = ["frontend", "cart", "a", "a::b", "__overflow__", "unknown"];
    private static readonly string[] Operations = ["GET /", "GetCart", "b::c", "c", "query", "__overflow__"];

    [Theory]
    [InlineData(10_000)]
    [InlineData(4)]
    [InlineData(1)]
    public void Shortcuts_give_the_same_documents_changelog_and_overflow_counts_as_lookups_by_name(int limit)
    {
        var config = new AggregateConfig { WindowMs = 60_000, GraceMs = 10_000, CardinalityLimit = limit, MaxOpenWindows = 3 };
        var fast = new Run(new WindowedAggregator(config));
        var byName = new Run(new WindowedAggregator(config) { UseShortcuts = false });

        // Two tables in which the same names have other ids, so an id of one means another name in the other.
        var tableA = new StringTable(1000);
        var tableB = new StringTable(1000);
        foreach (string name in Services.Concat(Operations)) tableA.Intern(name);
        foreach (string name in Services.Reverse().Concat(Operations.Reverse())) tableB.Intern(name);
        Assert.NotEqual(tableA[tableA.Intern("frontend")], tableB[tableA.Intern("frontend")]);

        var extractor = new TraceFeatureExtractor(FeatureConfig.Default);
        var random = new Random(12345);
        for (int i = 0; i < 600; i++)
        {
            StringTable table = random.Next(4) == 0 ? tableB : tableA;
            var trace = RandomTrace(random, table, (ulong)i + 1, T0 + i * 400L + random.Next(-20_000, 20_000));
            var features = extractor.Extract(trace);
            if (random.Next(5) == 0) features = WithFreshStrings(features);
            fast.Add(trace, features);
            byName.Add(trace, features);

            if (i % 40 == 39)
            {
                long watermark = T0 + i * 400L - 30_000;
                fast.CloseAndLog(watermark);
                byName.CloseAndLog(watermark);
            }
            if (i == 300)
            {
                // Restore into the live aggregators: it replaces their states, so remembered shortcuts must go.
                fast.Restore();
                byName.Restore();
            }
        }
        fast.Flush();
        byName.Flush();

        Assert.Equal(byName.Documents.ToString(), fast.Documents.ToString());
        Assert.Equal(byName.Changelog.Records.Count, fast.Changelog.Records.Count);
        for (int i = 0; i < byName.Changelog.Records.Count; i++)
        {
            Assert.Equal(byName.Changelog.Records[i].Key, fast.Changelog.Records[i].Key);
            Assert.Equal(byName.Changelog.Records[i].Value, fast.Changelog.Records[i].Value);
        }
        for (int k = 0; k < AggregateKindNames.Count; k++)
            Assert.Equal(byName.Aggregator.Limiter.OverflowedUpdates((AggregateKind)k), fast.Aggregator.Limiter.OverflowedUpdates((AggregateKind)k));
        if (limit == 1) Assert.True(fast.Aggregator.Limiter.OverflowedUpdates(AggregateKind.Operation) > 0);
    }

    [Fact]
    public void An_id_of_another_string_table_does_not_reach_the_series_of_the_first_tables_name()
    {
        var tableA = new StringTable(100);
        var tableB = new StringTable(100);
        int x = tableA.Intern("x"), y = tableA.Intern("y");
        Assert.Equal(x, tableB.Intern("y"));
        Assert.Equal(y, tableB.Intern("x"));

        var aggregator = new WindowedAggregator(new AggregateConfig());
        // The same ids (x, y) each time: "x/y" in table A, "y/x" in table B.
        aggregator.Add(OneSpan(tableA, 1, x, y), Features(1));
        aggregator.Add(OneSpan(tableB, 2, x, y), Features(2));
        aggregator.Add(OneSpan(tableA, 3, x, y), Features(3));

        var operations = aggregator.FlushAll().Where(d => d.Kind == AggregateKind.Operation).ToDictionary(d => (d.Service, d.Operation), d => d.Count);
        Assert.Equal(2, operations[("x", "y")]);
        Assert.Equal(1, operations[("y", "x")]);
        Assert.Equal(2, operations.Count);
    }

    [Fact]
    public void Updates_beyond_the_limit_are_redirected_and_counted_every_time_also_when_their_names_recur()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig { CardinalityLimit = 1 });
        var strings = new StringTable(100);
        int svc = strings.Intern("svc"), admitted = strings.Intern("admitted"), overflowed = strings.Intern("overflowed");
        string admittedKey = "svc::admitted", overflowedKey = "svc::overflowed"; // one instance each, as the extractor's cache gives
        for (ulong i = 1; i <= 3; i++)
        {
            aggregator.Add(OneSpan(strings, i, svc, admitted), Features(i, admittedKey));
            aggregator.Add(OneSpan(strings, 100 + i, svc, overflowed), Features(100 + i, overflowedKey));
        }

        var docs = aggregator.FlushAll();
        foreach (var kind in new[] { AggregateKind.Operation, AggregateKind.SpanCount })
        {
            Assert.Equal(3, docs.Single(d => d.Kind == kind && d.Operation == "admitted").Count);
            Assert.Equal(3, docs.Single(d => d.Kind == kind && d.Key.IsOverflow).Count);
            Assert.Equal(3, aggregator.Limiter.OverflowedUpdates(kind));
        }
    }

    [Fact]
    public void A_span_count_key_is_split_at_its_first_separator_whatever_the_names_were()
    {
        // Existing behaviour, kept: the spanCount series come from the features' "service::operation" keys, so a service
        // whose name contains "::" is split there, and ("a::b", "c") and ("a", "b::c") are one key and one series.
        var strings = new StringTable(100);
        int ab = strings.Intern("a::b"), c = strings.Intern("c"), a = strings.Intern("a"), bc = strings.Intern("b::c");
        var traceId = new TraceId(0, 1);
        Span[] spans = [NewSpan(traceId, 1, 0, ab, c), NewSpan(traceId, 2, 1, a, bc)];
        var trace = new Trace(traceId, spans, spans.Length, strings);
        var aggregator = new WindowedAggregator(new AggregateConfig());
        var extractor = new TraceFeatureExtractor(FeatureConfig.Default);
        aggregator.Add(trace, extractor.Extract(trace));
        aggregator.Add(trace, extractor.Extract(trace));

        var docs = aggregator.FlushAll();
        var spanCount = Assert.Single(docs, d => d.Kind == AggregateKind.SpanCount);
        Assert.Equal(("a", "b::c"), (spanCount.Service, spanCount.Operation));
        Assert.Equal(2, spanCount.Count);
        Assert.Equal(2, spanCount.Max); // two spans per trace under that key
        // Operation series are by the span's own names.
        Assert.Single(docs, d => d.Kind == AggregateKind.Operation && d.Service == "a::b" && d.Operation == "c");
        Assert.Single(docs, d => d.Kind == AggregateKind.Operation && d.Service == "a" && d.Operation == "b::c");
    }

    [Fact]
    public void Edges_named_by_new_string_instances_every_trace_are_counted_right_past_the_instance_shortcut_bound()
    {
        var aggregator = new WindowedAggregator(new AggregateConfig());
        var strings = new StringTable(100);
        int svc = strings.Intern("svc"), op = strings.Intern("op");
        int traces = AggregateWindow.MaxInstanceEntries + 100; // the shortcut starts over once in between
        for (ulong i = 1; i <= (ulong)traces; i++)
        {
            var features = Features(i);
            features.Edges.Add(new Edge
            {
                Client = new string("client".AsSpan()),
                Server = new string("server".AsSpan()),
                ConnectionType = new string("direct".AsSpan()),
                Calls = 1,
                TotalDurationUs = 10,
                DurationsUs = { 10 },
            });
            aggregator.Add(OneSpan(strings, i, svc, op), features);
        }
        var edge = Assert.Single(aggregator.FlushAll(), d => d.Kind == AggregateKind.Edge);
        Assert.Equal(traces, edge.Count);
    }

    /// <summary>An aggregator with its changelog and everything it emitted, in emission order.</summary>
    private sealed class Run(WindowedAggregator aggregator)
    {
        public WindowedAggregator Aggregator { get; } = aggregator;
        public FakeChangelog Changelog { get; } = new();
        public StringBuilder Documents { get; } = new();

        public void Add(Trace trace, TraceFeatures features) => Documents.Append(Aggregator.Add(trace, features)).Append('\n');

        public void CloseAndLog(long watermarkMs)
        {
            Append(Aggregator.CloseWindows(watermarkMs));
            Aggregator.WriteChangelog(Changelog);
        }

        public void Restore()
        {
            Aggregator.WriteChangelog(Changelog);
            Changelog.ReplayInto(Aggregator.Restore);
        }

        public void Flush()
        {
            Append(Aggregator.FlushAll());
            Aggregator.WriteChangelog(Changelog);
        }

        private void Append(IEnumerable<AggregateDocument> docs)
        {
            foreach (var doc in docs)
            {
                using var stream = new MemoryStream();
                using (var writer = new Utf8JsonWriter(stream)) AggregateDocumentJson.Write(writer, doc);
                Documents.Append(doc.Id).Append(' ').Append(Encoding.UTF8.GetString(stream.ToArray())).Append('\n');
            }
        }
    }

    private static Trace RandomTrace(Random random, StringTable strings, ulong id, long startMs)
    {
        var traceId = new TraceId(0, id);
        var spans = new Span[random.Next(1, 12)];
        for (int i = 0; i < spans.Length; i++)
        {
            var span = NewSpan(traceId, (ulong)i + 1, i == 0 ? 0 : (ulong)random.Next(1, i + 1),
                strings.Intern(Services[random.Next(Services.Length)]), strings.Intern(Operations[random.Next(Operations.Length)]));
            span.StartUnixNanos = startMs * 1_000_000 + i * 1_000_000L;
            span.DurationNanos = random.Next(0, 5) == 0 ? 0 : random.NextInt64(1, 20_000_000_000);
            span.Kind = (SpanKind)random.Next(0, 7); // 6: not a kind, counted as unspecified
            span.Flags = (SpanFlags)(random.Next(4) switch { 0 => (int)(SpanFlags.Error | SpanFlags.StatusSet), 1 => (int)SpanFlags.StatusSet, _ => 0 });
            spans[i] = span;
        }
        return new Trace(traceId, spans, spans.Length, strings);
    }

    /// <summary>The same features with every name a new string of equal text (as a deserialized document would have).</summary>
    private static TraceFeatures WithFreshStrings(TraceFeatures f)
    {
        static string Fresh(string s) => new(s.AsSpan());
        var copy = new TraceFeatures
        {
            TraceId = f.TraceId,
            StartTimeUs = f.StartTimeUs,
            DurationUs = f.DurationUs,
            SpanCount = f.SpanCount,
            ErrorCount = f.ErrorCount,
            RootService = Fresh(f.RootService),
            RootOperation = Fresh(f.RootOperation),
            RootError = f.RootError,
            Depth = f.Depth,
        };
        foreach (var (key, count) in f.SpanCounts) copy.SpanCounts[Fresh(key)] = count;
        foreach (var (path, count) in f.ServicePaths) copy.ServicePaths[Fresh(path)] = count;
        foreach (Edge e in f.Edges)
        {
            copy.Edges.Add(new Edge
            {
                Client = Fresh(e.Client),
                Server = Fresh(e.Server),
                ConnectionType = Fresh(e.ConnectionType),
                Calls = e.Calls,
                Errors = e.Errors,
                TotalDurationUs = e.TotalDurationUs,
                DurationsUs = e.DurationsUs,
            });
        }
        return copy;
    }

    private static Trace OneSpan(StringTable strings, ulong id, int service, int operation)
    {
        var traceId = new TraceId(0, id);
        return new Trace(traceId, [NewSpan(traceId, 1, 0, service, operation)], 1, strings);
    }

    private static TraceFeatures Features(ulong id, string? spanCountKey = null)
    {
        var f = new TraceFeatures { TraceId = new TraceId(0, id).ToString(), StartTimeUs = T0 * 1000, SpanCount = 1 };
        if (spanCountKey is not null) f.SpanCounts[spanCountKey] = 1;
        return f;
    }

    private static Span NewSpan(TraceId traceId, ulong id, ulong parent, int service, int operation) => new()
    {
        TraceId = traceId,
        SpanId = new SpanId(id),
        ParentSpanId = new SpanId(parent),
        StartUnixNanos = T0 * 1_000_000,
        DurationNanos = 1_000_000,
        Service = service,
        Operation = operation,
        Kind = SpanKind.Server,
    };
}
