using FsCheck;
using FsCheck.Fluent;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract;

/// <summary>
/// Properties over seeded random traces: well-formed trees (unique ids, parents that exist or are missing) checked
/// against brute-force computations, and hostile ones (duplicate ids, self-parents, cycles, skew) that must never
/// throw and keep the invariants.
/// </summary>
public class ExtractionPropertyTests
{
    private static readonly string[] Services = ["a", "b", "c", "d"];
    private static readonly LinkSemantics[] AllSemantics =
        [LinkSemantics.Auto, LinkSemantics.Parent, LinkSemantics.Zipkin, LinkSemantics.OpenTelemetry];

    private sealed record Generated(TestTrace Trace, ulong[] Ids, ulong[] Parents, string[] ServiceOf);

    /// <summary>Unique ids 1..n; each parent is an earlier span, none (root) or an id not in the trace (orphan).</summary>
    private static Generated WellFormed(Random rng, bool kinds = false)
    {
        int n = rng.Next(1, 60);
        var t = new TestTrace();
        var ids = new ulong[n];
        var parents = new ulong[n];
        var services = new string[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = (ulong)(i + 1);
            int roll = rng.Next(10);
            parents[i] = i == 0 || roll == 0 ? 0 : roll == 1 ? 1000UL + (ulong)rng.Next(50) : ids[rng.Next(i)];
            services[i] = Services[rng.Next(Services.Length)];
            t.Add(ids[i], parents[i], services[i], rng.Next(0, 1000), rng.Next(0, 300),
                kind: kinds ? (SpanKind)rng.Next(0, 6) : SpanKind.Unspecified, error: rng.Next(4) == 0);
        }
        return new Generated(t, ids, parents, services);
    }

    /// <summary>Anything goes: reused ids, self-parents, parents anywhere (cycles), shared flags, peers, skew.</summary>
    private static Generated Hostile(Random rng)
    {
        int n = rng.Next(1, 60);
        var t = new TestTrace();
        var ids = new ulong[n];
        var parents = new ulong[n];
        var services = new string[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = (ulong)rng.Next(1, n + 2);
            int roll = rng.Next(8);
            parents[i] = roll == 0 ? 0 : roll == 1 ? ids[i] : (ulong)rng.Next(1, n + 4);
            services[i] = Services[rng.Next(Services.Length)];
            t.Add(ids[i], parents[i], rng.Next(6) == 0 ? null : services[i], rng.Next(-100, 1000), rng.Next(-5, 300),
                kind: (SpanKind)rng.Next(0, 6), error: rng.Next(3) == 0,
                peer: rng.Next(3) == 0 ? Services[rng.Next(Services.Length)] : null,
                peerKind: (PeerKind)rng.Next(1, 5), shared: rng.Next(5) == 0);
        }
        return new Generated(t, ids, parents, services);
    }

    private static void ForSeeds(int count, Action<Random> check)
    {
        for (int seed = 0; seed < count; seed++)
        {
            try
            {
                check(new Random(seed));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}: {ex}");
            }
        }
    }

    /// <summary>
    /// The critical path's invariants for any trace: sections are contiguous and never empty, the per-service map adds
    /// up to them, and the path plus the time outside the root is the trace's duration.
    /// </summary>
    private static void AssertTiles(TraceFeatures f)
    {
        long covered = 0;
        for (int k = 0; k < f.CriticalPath.Count; k++)
        {
            var s = f.CriticalPath[k];
            if (k > 0) Assert.Equal(f.CriticalPath[k - 1].EndUs, s.StartUs);
            Assert.True(s.EndUs > s.StartUs, "sections are never empty");
            Assert.InRange(s.StartUs, f.StartTimeUs, f.StartTimeUs + f.DurationUs);
            Assert.InRange(s.EndUs, f.StartTimeUs, f.StartTimeUs + f.DurationUs);
            covered += s.EndUs - s.StartUs;
        }
        Assert.Equal(covered, f.CriticalPathByService.Values.Sum());
        Assert.InRange(f.CriticalPathOutsideRootUs, 0, f.DurationUs);
        Assert.Equal(f.DurationUs, covered + f.CriticalPathOutsideRootUs);
    }

    /// <summary>
    /// For a well-formed trace (unique ids, no shared halves) the root is the earliest-starting span without a parent
    /// id, and the sections tile exactly its [start, end].
    /// </summary>
    private static void AssertTilesTheRoot(TraceFeatures f, TestTrace trace)
    {
        AssertTiles(f);
        Span[] spans = trace.Build().Spans.ToArray();
        int root = -1;
        for (int i = 0; i < spans.Length; i++)
        {
            if (spans[i].ParentSpanId.IsEmpty && (root < 0 || spans[i].StartUnixNanos < spans[root].StartUnixNanos)) root = i;
        }
        long start = spans[root].StartUnixNanos / 1000, end = (spans[root].StartUnixNanos + spans[root].DurationNanos) / 1000;
        if (end == start)
        {
            Assert.Empty(f.CriticalPath);
            return;
        }
        Assert.Equal(start, f.CriticalPath[0].StartUs);
        Assert.Equal(end, f.CriticalPath[^1].EndUs);
        Assert.Equal(f.DurationUs - (end - start), f.CriticalPathOutsideRootUs);
    }

    [Fact]
    public void Critical_path_sections_tile_the_root_span_without_gaps_or_overlaps()
    {
        ForSeeds(400, rng =>
        {
            if (rng.Next(2) == 0)
            {
                var g = WellFormed(rng, kinds: rng.Next(2) == 0);
                AssertTilesTheRoot(Features.Of(g.Trace), g.Trace);
            }
            else
            {
                AssertTiles(Features.Of(Hostile(rng).Trace));
            }
        });
    }

    [Fact]
    public void Parent_rule_calls_sum_to_the_cross_service_parent_child_pairs()
    {
        ForSeeds(300, rng =>
        {
            var g = WellFormed(rng);
            var serviceById = g.Ids.Zip(g.ServiceOf).ToDictionary(p => p.First, p => p.Second);
            int crossService = 0;
            for (int i = 0; i < g.Ids.Length; i++)
            {
                if (serviceById.TryGetValue(g.Parents[i], out string? ps) && ps != g.ServiceOf[i]) crossService++;
            }

            var f = Features.Of(g.Trace, LinkSemantics.Parent);

            Assert.Equal(crossService, f.Edges.Sum(e => e.Calls));
        });
    }

    [Fact]
    public void Depth_and_max_fan_out_match_a_brute_force_count()
    {
        ForSeeds(300, rng =>
        {
            var g = WellFormed(rng);
            var index = g.Ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
            int depth = 0;
            for (int i = 0; i < g.Ids.Length; i++)
            {
                int d = 1;
                for (int j = i; index.TryGetValue(g.Parents[j], out int p); j = p) d++;
                depth = Math.Max(depth, d);
            }
            int fanOut = g.Parents.Where(index.ContainsKey).GroupBy(p => p).Select(grp => grp.Count()).DefaultIfEmpty(0).Max();

            var f = Features.Of(g.Trace);

            Assert.Equal(depth, f.Depth);
            Assert.Equal(fanOut, f.MaxFanOut);
        });
    }

    [Fact]
    public void Service_path_counts_sum_to_the_number_of_leaves()
    {
        ForSeeds(300, rng =>
        {
            var g = WellFormed(rng);
            var present = g.Ids.ToHashSet();
            int leaves = g.Ids.Count(id => !g.Parents.Contains(id));

            var f = Features.Of(g.Trace);

            Assert.Equal(leaves, f.ServicePaths.Values.Sum());
            Assert.All(f.ServicePaths.Keys, k => Assert.DoesNotContain(">>", k));
        });
    }

    [Fact]
    public void Hostile_traces_never_throw_and_keep_every_invariant_under_every_semantics()
    {
        ForSeeds(400, rng =>
        {
            var g = Hostile(rng);
            foreach (var semantics in AllSemantics)
            {
                var f = Features.Of(g.Trace, semantics);

                Assert.Equal(g.Ids.Length, f.SpanCount);
                Assert.InRange(f.Depth, 1, g.Ids.Length);
                Assert.InRange(f.ServicePaths.Values.Sum(), 1, g.Ids.Length);
                Assert.All(f.Edges, e => Assert.InRange(e.Errors, 0, e.Calls));
                // A span is an orphan or on a cycle, not both; a duplicate may also be an orphan (it keeps its own parent).
                Assert.InRange(f.Quality.OrphanSpans + f.Quality.CycleSpans, 0, g.Ids.Length);
                Assert.InRange(f.Quality.DuplicateSpanIds, 0, g.Ids.Length - 1);
                AssertTiles(f);
            }
        });
    }

    [Fact]
    public void With_unique_ids_the_cycle_count_matches_walking_each_parent_chain()
    {
        ForSeeds(300, rng =>
        {
            int n = rng.Next(1, 40);
            var t = new TestTrace();
            var parents = new ulong[n + 1];
            for (int i = 1; i <= n; i++)
            {
                parents[i] = (ulong)rng.Next(0, n + 3); // 0: root; > n: orphan; may point anywhere, itself included
                t.Add((ulong)i, parents[i], "s");
            }
            int onCycle = 0;
            for (int i = 1; i <= n; i++)
            {
                ulong j = parents[i];
                for (int step = 0; step < n && j >= 1 && j <= (ulong)n && j != (ulong)i; step++) j = parents[j];
                if (j == (ulong)i) onCycle++;
            }

            var f = Features.Of(t);

            Assert.Equal(onCycle, f.Quality.CycleSpans);
        });
    }

    [Fact]
    public void Json_round_trips_for_random_traces()
    {
        Prop.ForAll(Arb.From(Gen.Choose(0, 100_000)), seed =>
        {
            var f = Features.Of(Hostile(new Random(seed)).Trace);
            byte[] bytes = TraceFeaturesJson.ToUtf8(f);
            return bytes.AsSpan().SequenceEqual(TraceFeaturesJson.ToUtf8(TraceFeaturesJson.Parse(bytes)));
        }).QuickCheckThrowOnFailure();
    }
}
