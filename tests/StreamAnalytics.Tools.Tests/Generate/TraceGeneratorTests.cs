using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools.Generate;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Tools.Tests.Generate;

public class TraceGeneratorTests
{
    private const long Start = 1_700_000_000_000_000_000;

    // The online shop without its incident and skew, so that structural assertions hold for every span.
    private static SimulatedSystem SteadyShop => SimulatedSystem.OnlineShop
        .WithIncidents([])
        .WithClockSkew(new ClockSkewSettings { Fraction = 0 });

    [Fact]
    public void The_same_seed_and_start_time_give_identical_traces()
    {
        var first = new TraceGenerator(SimulatedSystem.OnlineShop, 42, Start);
        var second = new TraceGenerator(SimulatedSystem.OnlineShop, 42, Start);

        for (int i = 0; i < 300; i++)
        {
            Assert.Equal(Describe(first.NextTrace()), Describe(second.NextTrace()));
        }

        Assert.Equal(first.VirtualNowUnixNanos, second.VirtualNowUnixNanos);
    }

    [Fact]
    public void Different_seeds_give_different_traces()
    {
        var first = new TraceGenerator(SimulatedSystem.OnlineShop, 1, Start);
        var second = new TraceGenerator(SimulatedSystem.OnlineShop, 2, Start);

        Assert.NotEqual(Describe(first.NextTrace()), Describe(second.NextTrace()));
    }

    [Fact]
    public void Ids_are_lowercase_hex_of_the_right_length_and_span_ids_are_unique_within_a_trace()
    {
        var generator = new TraceGenerator(SimulatedSystem.OnlineShop, 7, Start);
        var traceIds = new HashSet<string>();

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(500))
        {
            string traceId = trace[0].TraceId;
            Assert.True(traceIds.Add(traceId), $"trace id {traceId} repeated");
            Assert.Matches("^[0-9a-f]{32}$", traceId);
            Assert.All(trace, s => Assert.Equal(traceId, s.TraceId));
            Assert.All(trace, s => Assert.Matches("^[0-9a-f]{16}$", s.SpanId));
            Assert.Equal(trace.Count, trace.Select(s => s.SpanId).Distinct().Count());
        }
    }

    [Fact]
    public void Every_parent_is_in_the_same_trace_and_each_trace_has_exactly_one_root()
    {
        var generator = new TraceGenerator(SimulatedSystem.OnlineShop.WithEntryPointWeight("reporting", SimulatedSystem.WideReportOperation, 5), 3, Start);

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(1000))
        {
            var tree = new TraceTree(trace);
            Assert.Single(trace, s => s.ParentSpanId is null);
            Assert.All(trace.Where(s => s.ParentSpanId is not null), s => Assert.NotNull(tree.ParentOf(s)));
            Assert.Equal(SpanKind.Server, tree.Root.Kind);
        }
    }

    [Fact]
    public void Without_skew_every_child_lies_inside_its_parent_and_consumers_start_after_their_producer_ends()
    {
        var generator = new TraceGenerator(SteadyShop, 5, Start);
        int consumers = 0;

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(2000))
        {
            var tree = new TraceTree(trace);
            foreach (LogicalSpan span in trace)
            {
                Assert.True(span.DurationNanos > 0, $"{span.Service} {span.Operation} has duration {span.DurationNanos}");
                LogicalSpan? parent = tree.ParentOf(span);
                if (parent is null)
                {
                    continue;
                }

                if (span.Kind == SpanKind.Consumer)
                {
                    consumers++;
                    Assert.Equal(SpanKind.Producer, parent.Kind);
                    Assert.True(span.StartUnixNanos >= TraceTree.End(parent), "a consumer starts before its message was published");
                }
                else
                {
                    Assert.True(TraceTree.Inside(span, parent), $"{span.Service} {span.Operation} lies outside {parent.Service} {parent.Operation}");
                }
            }
        }

        Assert.True(consumers > 0, "no consumer spans in 2,000 traces of the online shop");
    }

    [Fact]
    public void About_the_configured_fraction_of_server_spans_lie_outside_their_client_and_no_other_span_does()
    {
        var system = SteadyShop.WithClockSkew(new ClockSkewSettings { Fraction = 0.1, MaxMs = 5 });
        var generator = new TraceGenerator(system, 11, Start);
        int serverSpans = 0, outside = 0;

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(2000))
        {
            var tree = new TraceTree(trace);
            foreach (LogicalSpan span in trace)
            {
                LogicalSpan? parent = tree.ParentOf(span);
                if (parent is null || span.Kind == SpanKind.Consumer)
                {
                    continue;
                }

                if (span.Kind == SpanKind.Server)
                {
                    serverSpans++;
                }

                if (!TraceTree.Inside(span, parent))
                {
                    outside++;
                    Assert.Equal(SpanKind.Server, span.Kind);
                    Assert.Equal(SpanKind.Client, parent.Kind);
                }
            }
        }

        double fraction = (double)outside / serverSpans;
        Assert.InRange(fraction, 0.07, 0.13);
    }

    [Fact]
    public void Every_service_call_is_a_client_span_whose_only_child_is_the_callees_server_span()
    {
        var generator = new TraceGenerator(SteadyShop, 13, Start);
        int pairs = 0;

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(500))
        {
            var tree = new TraceTree(trace);
            foreach (LogicalSpan client in trace.Where(s => s.Kind == SpanKind.Client && s.DbSystem is null))
            {
                LogicalSpan server = Assert.Single(tree.ChildrenOf(client));
                Assert.Equal(SpanKind.Server, server.Kind);
                Assert.Equal(client.PeerService, server.Service);
                Assert.Equal(client.ServerAddress, server.Service);
                Assert.Equal(client.Operation, server.Operation);
                Assert.NotEqual(client.Service, server.Service);
                pairs++;
            }
        }

        Assert.True(pairs > 1000, $"only {pairs} client/server pairs in 500 traces");
    }

    [Fact]
    public void Database_calls_are_client_spans_with_db_attributes_and_no_children()
    {
        var generator = new TraceGenerator(SteadyShop, 17, Start);
        var systems = new HashSet<string>();

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(500))
        {
            var tree = new TraceTree(trace);
            foreach (LogicalSpan query in trace.Where(s => s.DbSystem is not null))
            {
                Assert.Equal(SpanKind.Client, query.Kind);
                Assert.False(string.IsNullOrEmpty(query.DbName));
                Assert.NotNull(query.PeerService);
                Assert.Empty(tree.ChildrenOf(query));
                systems.Add(query.DbSystem!);
            }
        }

        Assert.Equal(["postgresql", "redis"], systems.Order());
    }

    [Fact]
    public void A_placed_order_is_published_to_kafka_and_consumed_by_fulfillment_and_email()
    {
        var generator = new TraceGenerator(SteadyShop.WithEntryPointWeight("api-gateway", "POST /cart/checkout", 10_000), 19, Start);
        int checkouts = 0;

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(50))
        {
            var tree = new TraceTree(trace);
            if (tree.Root.Operation != "POST /cart/checkout")
            {
                Assert.DoesNotContain(trace, s => s.Kind is SpanKind.Producer or SpanKind.Consumer);
                continue;
            }

            checkouts++;
            LogicalSpan producer = Assert.Single(trace, s => s.Kind == SpanKind.Producer);
            Assert.Equal("checkout", producer.Service);
            Assert.Equal("kafka", producer.MessagingSystem);
            IReadOnlyList<LogicalSpan> consumers = tree.ChildrenOf(producer);
            Assert.All(consumers, c => Assert.Equal(SpanKind.Consumer, c.Kind));
            Assert.All(consumers, c => Assert.Equal("kafka", c.MessagingSystem));
            Assert.Equal(["email", "fulfillment"], consumers.Select(c => c.Service).Order());
        }

        Assert.True(checkouts > 40, $"only {checkouts} of 50 traces were checkouts");
    }

    [Fact]
    public void A_parallel_fan_out_makes_sibling_calls_that_overlap_in_time()
    {
        // The home page converts 4 to 9 prices in parallel.
        var generator = new TraceGenerator(SteadyShop.WithEntryPointWeight("api-gateway", "GET /", 10_000), 23, Start);

        IReadOnlyList<LogicalSpan> trace = generator.NextTrace();

        LogicalSpan[] converts = trace.Where(s => s.Kind == SpanKind.Client && s.Operation == "Convert").OrderBy(s => s.StartUnixNanos).ToArray();
        Assert.InRange(converts.Length, 4, 9);
        Assert.True(converts[1].StartUnixNanos < TraceTree.End(converts[0]), "the second conversion waited for the first");
    }

    [Fact]
    public void Errors_occur_at_about_the_configured_rate_over_2000_traces()
    {
        var generator = new TraceGenerator(TwoServices(calleeErrorRate: 0.2, propagation: 0), 29, Start);

        int failedCallees = generator.Traces(2000).Count(t => t.Single(s => s.Service == "api" && s.Kind == SpanKind.Server).Error);

        // Binomial(2000, 0.2): mean 400, standard deviation about 18; the range is more than five deviations wide on each side.
        Assert.InRange(failedCallees, 300, 500);
    }

    [Fact]
    public void A_failing_callee_fails_its_client_span_and_the_root_with_http_500_when_errors_propagate()
    {
        var generator = new TraceGenerator(TwoServices(calleeErrorRate: 1, propagation: 1), 31, Start);

        IReadOnlyList<LogicalSpan> trace = generator.NextTrace();

        LogicalSpan client = trace.Single(s => s.Kind == SpanKind.Client && s.PeerService == "api");
        LogicalSpan root = trace.Single(s => s.ParentSpanId is null);
        Assert.True(client.Error);
        Assert.Equal(500, client.HttpStatusCode);
        Assert.True(root.Error);
        Assert.Equal(500, root.HttpStatusCode);
    }

    [Fact]
    public void A_handled_callee_failure_leaves_the_client_and_root_successful()
    {
        var generator = new TraceGenerator(TwoServices(calleeErrorRate: 1, propagation: 0), 37, Start);

        IReadOnlyList<LogicalSpan> trace = generator.NextTrace();

        Assert.True(trace.Single(s => s.Kind == SpanKind.Server && s.Service == "api").Error);
        Assert.False(trace.Single(s => s.Kind == SpanKind.Client).Error);
        LogicalSpan root = trace.Single(s => s.ParentSpanId is null);
        Assert.False(root.Error);
        Assert.Equal(200, root.HttpStatusCode);
    }

    [Fact]
    public void An_incident_slows_and_fails_its_service_only_inside_its_window()
    {
        SimulatedSystem system = TwoServices(calleeErrorRate: 0, propagation: 0).WithIncidents(
        [
            new IncidentDefinition { Service = "api", ExtraLatencyMs = 500, ErrorRate = 0.5, StartOffsetSeconds = 10, EndOffsetSeconds = 20 },
        ]);
        var generator = new TraceGenerator(system, 41, Start);
        var inside = new List<LogicalSpan>();
        var outside = new List<LogicalSpan>();

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(3000))
        {
            LogicalSpan root = trace.Single(s => s.ParentSpanId is null);
            double offsetSeconds = (root.StartUnixNanos - Start) / 1e9;
            LogicalSpan api = trace.Single(s => s.Service == "api");
            (offsetSeconds >= 10 && offsetSeconds < 20 ? inside : outside).Add(api);
        }

        Assert.True(inside.Count > 500, $"only {inside.Count} traces inside a 10 s window at 100 traces/s");
        Assert.All(inside, s => Assert.True(s.DurationNanos >= 500_000_000));
        Assert.All(outside, s => Assert.True(s.DurationNanos < 500_000_000));
        Assert.All(outside, s => Assert.False(s.Error));
        Assert.InRange(inside.Count(s => s.Error) / (double)inside.Count, 0.4, 0.6);
    }

    [Fact]
    public void The_virtual_clock_advances_at_the_configured_trace_rate()
    {
        var generator = new TraceGenerator(TwoServices(0, 0).WithTracesPerSecond(250), 43, Start);
        long previousRoot = Start;

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(5000))
        {
            long root = trace.Single(s => s.ParentSpanId is null).StartUnixNanos;
            Assert.True(root >= previousRoot, "trace start times go backwards");
            previousRoot = root;
        }

        // 5,000 exponential gaps of mean 4 ms: 20 s of virtual time, with a relative deviation of about 1.4 %.
        Assert.InRange((generator.VirtualNowUnixNanos - Start) / 1e9, 18.0, 22.0);
        Assert.Equal(5000, generator.TracesGenerated);
    }

    [Fact]
    public void Deep_and_wide_batch_reports_appear_when_enabled()
    {
        SimulatedSystem reports = SteadyShop
            .WithEntryPointWeight(SimulatedSystem.ReportingService, SimulatedSystem.DeepReportOperation, 50)
            .WithEntryPointWeight(SimulatedSystem.ReportingService, SimulatedSystem.WideReportOperation, 50);
        var generator = new TraceGenerator(reports, 47, Start);

        TraceTree[] trees = generator.Traces(200).Select(t => new TraceTree(t)).ToArray();

        Assert.Contains(trees, t => t.Root.Operation == SimulatedSystem.DeepReportOperation && t.Depth() >= 20);
        Assert.Contains(trees, t => t.Root.Operation == SimulatedSystem.WideReportOperation && t.Spans.Count >= 200);
    }

    [Fact]
    public void No_batch_report_appears_when_they_are_disabled()
    {
        SimulatedSystem shop = SteadyShop
            .WithEntryPointWeight(SimulatedSystem.ReportingService, SimulatedSystem.DeepReportOperation, 0)
            .WithEntryPointWeight(SimulatedSystem.ReportingService, SimulatedSystem.WideReportOperation, 0);
        var generator = new TraceGenerator(shop, 53, Start);

        Assert.DoesNotContain(generator.Spans(50_000), s => s.Service == SimulatedSystem.ReportingService);
    }

    [Fact]
    public void Spans_yields_whole_traces_until_the_minimum_is_reached()
    {
        var generator = new TraceGenerator(SimulatedSystem.OnlineShop, 59, Start);

        LogicalSpan[] spans = generator.Spans(10_000).ToArray();

        Assert.InRange(spans.Length, 10_000, 10_000 + SimulatedSystem.OnlineShop.MaxSpansPerTrace);
        Assert.Equal(spans.Select(s => s.TraceId).Distinct().Count(), spans.Count(s => s.ParentSpanId is null));
        Assert.Equal(spans.Length, generator.SpansGenerated);
    }

    [Fact]
    public void A_trace_stops_growing_at_the_span_cap_and_is_counted_as_truncated()
    {
        SimulatedSystem huge = TwoServices(0, 0, repeat: new RepeatRange(500, 500), maxSpansPerTrace: 100);
        var generator = new TraceGenerator(huge, 61, Start);

        IReadOnlyList<LogicalSpan> trace = generator.NextTrace();

        Assert.InRange(trace.Count, 99, 100);
        Assert.Equal(1, generator.TruncatedTraces);
        _ = new TraceTree(trace);
    }

    [Fact]
    public void Spans_are_exported_in_end_time_order()
    {
        var generator = new TraceGenerator(SteadyShop, 67, Start);

        foreach (IReadOnlyList<LogicalSpan> trace in generator.Traces(200))
        {
            long[] ends = trace.Select(TraceTree.End).ToArray();
            Assert.Equal(ends.Order(), ends);
        }
    }

    /// <summary>web (HTTP root) calls api (HTTP) once per trace, or <paramref name="repeat"/> times; nothing else.</summary>
    private static SimulatedSystem TwoServices(double calleeErrorRate, double propagation, RepeatRange? repeat = null, int maxSpansPerTrace = 10_000) => new()
    {
        MaxSpansPerTrace = maxSpansPerTrace,
        Name = "two-services",
        TracesPerSecond = 100,
        ErrorPropagation = propagation,
        ClockSkew = new ClockSkewSettings { Fraction = 0 },
        EntryPoints = [new EntryPointDefinition { Service = "web", Operation = "GET /" }],
        Services =
        [
            new ServiceDefinition
            {
                Name = "web",
                Operations =
                [
                    new OperationDefinition
                    {
                        Name = "GET /",
                        Protocol = CallProtocol.Http,
                        Calls = [new CallDefinition { Service = "api", Operation = "GET /item", Repeat = repeat ?? new RepeatRange() }],
                    },
                ],
            },
            new ServiceDefinition
            {
                Name = "api",
                Operations = [new OperationDefinition { Name = "GET /item", Protocol = CallProtocol.Http, ErrorRate = calleeErrorRate }],
            },
        ],
    };

    private static string Describe(IReadOnlyList<LogicalSpan> trace) => string.Join('\n', trace.Select(s =>
        $"{s.TraceId} {s.SpanId} {s.ParentSpanId} {s.Service} {s.Operation} {s.Kind} {s.StartUnixNanos} {s.DurationNanos} {s.Error} " +
        $"{s.HttpStatusCode} {s.PeerService} {s.ServerAddress} {s.DbSystem} {s.DbName} {s.MessagingSystem}"));
}
