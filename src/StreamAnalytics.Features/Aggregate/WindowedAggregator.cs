using System.Buffers;
using System.Buffers.Binary;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// Tumbling-window aggregation of completed traces (step 5 of the trace topology), keyed by the five dimension kinds
/// of <see cref="AggregateKind"/>.
/// </summary>
/// <remarks>
/// <para><b>Event time.</b> A trace belongs to the window that contains its start time
/// (<see cref="TraceFeatures.StartTimeUs"/>), not the time it completed: a slow trace is counted where it began, so
/// replaying the same input gives the same windows whatever the processing speed.</para>
/// <para><b>Closing.</b> A window [start, start + <c>aggregate.window.ms</c>) is emitted exactly once, by
/// <see cref="CloseWindows"/>, when the stream time passed to it reaches end + <c>aggregate.grace.ms</c>. After that,
/// a trace whose start falls in that window (or any earlier one) is <b>late</b>: it is dropped and counted
/// (<see cref="LateTraces"/>, <c>trace_analytics_aggregate_late_traces_total</c>), never re-opens the window, so
/// each window has one document per series and partition. The watermark (largest stream time seen) is logged to the
/// changelog, so this holds across restarts.</para>
/// <para><b>Revisions.</b> Only revision 0 of a trace feeds aggregates: a late-span follow-up carries the whole trace
/// again, so adding it would count the trace twice. Follow-ups are counted in <see cref="SkippedRevisions"/>.</para>
/// <para><b>Bounds.</b> Per window and kind at most <c>aggregate.cardinality.limit</c> series (beyond: the overflow
/// series, see <see cref="SeriesLimiter"/>); at most <c>aggregate.max.open.windows</c> windows (beyond: the oldest is
/// emitted early, counted in <see cref="WindowsClosedEarly"/>; its documents come out of the next
/// <see cref="CloseWindows"/>).</para>
/// <para><b>Changelog.</b> Changes are logged by <see cref="WriteChangelog"/> (called from <see cref="WindowStore.Flush"/>,
/// i.e. before each commit): each series changed since the last call once (key = window start + kind + dimension,
/// value = the serialized state), and a tombstone for each logged series of every window emitted since.
/// <see cref="Restore"/> rebuilds the open windows from those records (last write wins).</para>
/// <para>Not thread-safe: one instance per stream task, called from the task's thread.</para>
/// </remarks>
public sealed class WindowedAggregator
{
    private static readonly string[] SpanKindNames = ["unspecified", "internal", "server", "client", "producer", "consumer"];

    private readonly SortedDictionary<long, AggregateWindow> _windows = new();
    private readonly List<(long WindowStartMs, AggregateKey Key, AggregateState State)> _dirty = [];
    private readonly List<byte[]> _pendingTombstones = [];
    private readonly List<AggregateDocument> _emittedEarly = [];
    private long _watermarkMs = long.MinValue;
    private bool _watermarkDirty;

    /// <summary>Creates an aggregator for the task of input partition <paramref name="partition"/>.</summary>
    /// <param name="config">Settings; validated here.</param>
    /// <param name="partition">Written into every document and its <c>_id</c>; 0 for <c>replay</c>.</param>
    /// <param name="kinds">
    /// The kinds kept (<c>aggregate.kinds</c>); null = all. A kind not kept is not computed, logged or emitted: the
    /// book job keeps only spanCount, and the four others were a third of the aggregator's work per trace, all thrown
    /// away by the sink (issue 21). A kind added later starts with the next trace: its series in windows already open
    /// before the restart miss the earlier traces.
    /// </param>
    public WindowedAggregator(AggregateConfig config, int partition = 0, IReadOnlySet<AggregateKind>? kinds = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        Partition = partition;
        Limiter = new SeriesLimiter(config.CardinalityLimit);
        _keepOperation = kinds is null || kinds.Contains(AggregateKind.Operation);
        _keepEdge = kinds is null || kinds.Contains(AggregateKind.Edge);
        _keepServicePath = kinds is null || kinds.Contains(AggregateKind.ServicePath);
        _keepRootOperation = kinds is null || kinds.Contains(AggregateKind.RootOperation);
        _keepSpanCount = kinds is null || kinds.Contains(AggregateKind.SpanCount);
    }

    private readonly bool _keepOperation, _keepEdge, _keepServicePath, _keepRootOperation, _keepSpanCount;

    /// <summary>The settings.</summary>
    public AggregateConfig Config { get; }

    /// <summary>The producing partition.</summary>
    public int Partition { get; internal set; }

    /// <summary>The cardinality limiter (its overflow counters).</summary>
    public SeriesLimiter Limiter { get; }

    /// <summary>
    /// False: every update looks its series up by name (the reference behaviour the shortcuts of
    /// <see cref="AggregateWindow"/> must reproduce; tests compare the two).
    /// </summary>
    internal bool UseShortcuts { get; init; } = true;

    /// <summary>The largest stream time passed to <see cref="CloseWindows"/> (or restored); <see cref="long.MinValue"/> before any.</summary>
    public long WatermarkMs => _watermarkMs;

    /// <summary>Windows currently open.</summary>
    public int OpenWindowCount => _windows.Count;

    /// <summary>Traces dropped because their window had closed.</summary>
    public long LateTraces { get; private set; }

    /// <summary>Follow-up revisions not aggregated.</summary>
    public long SkippedRevisions { get; private set; }

    /// <summary>Windows emitted before their grace ended because of <c>aggregate.max.open.windows</c>.</summary>
    public long WindowsClosedEarly { get; private set; }

    /// <summary>The start of the window containing <paramref name="timeMs"/> (floor, also for times before 1970).</summary>
    public static long WindowStartOf(long timeMs, long windowMs) => Math.DivRem(timeMs, windowMs) switch
    {
        (long q, long r) when r < 0 => (q - 1) * windowMs,
        (long q, _) => q * windowMs,
    };

    /// <summary>
    /// Adds a completed trace to the window of its start time: one operation update per span, one edge update per
    /// edge of <paramref name="features"/> (one latency value per call), one servicePath update per path, one
    /// rootOperation update and one spanCount update per <c>service::operation</c>.
    /// </summary>
    public AggregateAddOutcome Add(Trace trace, TraceFeatures features)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(features);
        if (features.Revision > 0 || trace.Revision > 0)
        {
            SkippedRevisions++;
            AggregateMetrics.RevisionSkipped();
            return AggregateAddOutcome.SkippedRevision;
        }

        long startMs = FloorDiv(StartTimeUs(trace, features), 1000);
        long windowStart = WindowStartOf(startMs, Config.WindowMs);
        if (IsClosed(windowStart))
        {
            LateTraces++;
            AggregateMetrics.Late();
            return AggregateAddOutcome.Late;
        }
        AggregateWindow window = GetOrOpen(windowStart);
        if (_keepOperation) AddOperations(window, trace);
        if (_keepEdge) AddEdges(window, features);
        if (_keepServicePath) AddServicePaths(window, features);
        if (_keepRootOperation) AddRootOperation(window, features);
        if (_keepSpanCount) AddSpanCounts(window, features);
        return AggregateAddOutcome.Added;
    }

    /// <summary>operation: one update per span.</summary>
    private void AddOperations(AggregateWindow window, Trace trace)
    {
        StringTable strings = trace.Strings;
        window.BindIds(strings);
        foreach (ref readonly Span span in trace.Spans)
        {
            int status = span.IsError ? OperationId.Error : (span.Flags & SpanFlags.StatusSet) != 0 ? OperationId.Ok : OperationId.Unset;
            int kind = (uint)span.Kind < (uint)SpanKindNames.Length ? (int)span.Kind : 0; // unknown kinds count as unspecified
            var state = OperationSeries(window, strings, span.Service, span.Operation, kind, status);
            state.Count++;
            if (span.IsError) state.ErrorCount++;
            state.Record(span.DurationNanos / 1000.0);
        }
    }

    /// <summary>edge: calls, errors and one latency value per call.</summary>
    private void AddEdges(AggregateWindow window, TraceFeatures features)
    {
        foreach (Edge edge in features.Edges)
        {
            var state = InstanceSeries(window, new InstanceKey(AggregateKind.Edge, edge.Client, edge.Server, edge.ConnectionType),
                AggregateKey.Edge(edge.Client, edge.Server, edge.ConnectionType));
            state.Count += edge.Calls;
            state.ErrorCount += edge.Errors;
            if (edge.DurationsUs.Count > 0)
            {
                foreach (long d in edge.DurationsUs) state.Record(d);
            }
            else if (edge.Calls > 0)
            {
                // Without per-call durations the mean stands in for each call: counts stay right, spread is lost.
                state.Record((double)edge.TotalDurationUs / edge.Calls, edge.Calls);
            }
        }
    }

    /// <summary>
    /// servicePath: one trace per path; its latency is the path's slowest leaf call in the trace (the call into the
    /// path's last service), so paths of one trace differ and "which path got slower" has an answer. Features without
    /// leaf calls (built elsewhere, e.g. parsed documents) fall back to the trace duration.
    /// </summary>
    private void AddServicePaths(AggregateWindow window, TraceFeatures features)
    {
        bool traceHasErrors = features.ErrorCount > 0;
        var leafCalls = features.ServicePathLeafCallUs;
        foreach (string path in features.ServicePaths.Keys)
        {
            var state = TextSeries(window, AggregateKind.ServicePath, path);
            state.Count++;
            if (traceHasErrors) state.ErrorCount++;
            state.Record(leafCalls.TryGetValue(path, out long us) ? us : features.DurationUs);
        }
    }

    /// <summary>rootOperation: the trace, its span count and depth.</summary>
    private void AddRootOperation(AggregateWindow window, TraceFeatures features)
    {
        var root = InstanceSeries(window, new InstanceKey(AggregateKind.RootOperation, features.RootService, features.RootOperation),
            AggregateKey.RootOperation(features.RootService, features.RootOperation));
        root.Count++;
        if (features.RootError) root.ErrorCount++;
        root.SpanCountSum += features.SpanCount;
        root.DepthSum += features.Depth;
        root.Record(features.DurationUs);
    }

    /// <summary>spanCount: the trace's span count of each <c>service::operation</c>.</summary>
    private void AddSpanCounts(AggregateWindow window, TraceFeatures features)
    {
        foreach (var (serviceOperation, count) in features.SpanCounts)
        {
            var state = TextSeries(window, AggregateKind.SpanCount, serviceOperation);
            state.Count++;
            state.Record(count);
        }
    }

    /// <summary>Splits <c>service::operation</c> at the first separator (a name without one is a service).</summary>
    private static AggregateKey SpanCountKey(string serviceOperation)
    {
        (string service, string operation) = TraceFeatures.SplitServiceOperation(serviceOperation);
        return AggregateKey.SpanCount(service, operation);
    }

    /// <summary>
    /// Advances the watermark to <paramref name="streamTimeMs"/> and emits, oldest first, every window whose end +
    /// grace it reached (plus windows emitted early since the last call). Each window is emitted once.
    /// </summary>
    /// <param name="streamTimeMs">
    /// The event time up to which input is considered complete. The trace topology should pass the stream time minus
    /// <c>assembly.gap.ms</c>: a trace only reaches the aggregator a gap after its last span, so that keeps
    /// <c>aggregate.grace.ms</c> a measure of lateness after completion rather than of the assembler's delay.
    /// </param>
    public IReadOnlyList<AggregateDocument> CloseWindows(long streamTimeMs)
    {
        if (streamTimeMs > _watermarkMs)
        {
            _watermarkMs = streamTimeMs;
            _watermarkDirty = true;
        }
        var output = TakeEarly();
        while (_windows.Count > 0)
        {
            long first = FirstWindowStart();
            if (!IsClosed(first)) break;
            EmitWindow(first, output, early: false);
        }
        return output;
    }

    /// <summary>
    /// Emits every open window now (end of a finite input, e.g. <c>replay</c>). Not for shutdown of a long-running
    /// task: there the changelog keeps open windows for whoever owns the partition next.
    /// </summary>
    public IReadOnlyList<AggregateDocument> FlushAll()
    {
        var output = TakeEarly();
        while (_windows.Count > 0) EmitWindow(FirstWindowStart(), output, early: false);
        return output;
    }

    /// <summary>
    /// Logs every series changed since the last call once, and a tombstone for every logged series of the windows
    /// emitted since; then the watermark if it moved. Called before each commit.
    /// </summary>
    public void WriteChangelog(IChangelog changelog)
    {
        ArgumentNullException.ThrowIfNull(changelog);
        foreach (byte[] key in _pendingTombstones) changelog.AppendTombstone(key);
        _pendingTombstones.Clear();

        var keyBuffer = new ArrayBufferWriter<byte>(128);
        var valueBuffer = new ArrayBufferWriter<byte>(256);
        foreach (var (windowStart, key, state) in _dirty)
        {
            if (state.Emitted || !state.Dirty) continue;
            keyBuffer.ResetWrittenCount();
            valueBuffer.ResetWrittenCount();
            AggregateChangelogCodec.WriteKey(keyBuffer, windowStart, key);
            state.WriteTo(valueBuffer);
            changelog.Append(keyBuffer.WrittenSpan, valueBuffer.WrittenSpan);
            state.Dirty = false;
            state.Logged = true;
        }
        _dirty.Clear();

        if (_watermarkDirty)
        {
            Span<byte> value = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(value, _watermarkMs);
            changelog.Append([AggregateChangelogCodec.WatermarkKeyMarker], value);
            _watermarkDirty = false;
        }
    }

    /// <summary>
    /// Applies one changelog record during restore (a <see cref="StateRestoreCallback"/>): the state replaces any
    /// earlier one for the same key; a tombstone removes it.
    /// </summary>
    /// <exception cref="FormatException">The record was not written by this class.</exception>
    public void Restore(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isTombstone)
    {
        if (key.Length == 1 && key[0] == AggregateChangelogCodec.WatermarkKeyMarker)
        {
            if (!isTombstone && value.Length == 8)
                _watermarkMs = Math.Max(_watermarkMs, BinaryPrimitives.ReadInt64BigEndian(value));
            return;
        }
        (long windowStart, AggregateKey aggregateKey) = AggregateChangelogCodec.ReadKey(key);
        if (isTombstone)
        {
            if (_windows.TryGetValue(windowStart, out var w) && w.Series.Remove(aggregateKey))
            {
                w.ForgetShortcuts();
                if (!aggregateKey.IsOverflow) w.SeriesPerKind[(int)aggregateKey.Kind]--;
                if (w.Series.Count == 0) _windows.Remove(windowStart);
            }
            return;
        }
        var state = AggregateState.Read(aggregateKey, Config, value);
        state.Logged = true;
        if (!_windows.TryGetValue(windowStart, out var window))
        {
            window = new AggregateWindow(windowStart);
            _windows.Add(windowStart, window);
        }
        window.ForgetShortcuts(); // they may point at the state replaced here
        if (!window.Series.ContainsKey(aggregateKey) && !aggregateKey.IsOverflow) window.SeriesPerKind[(int)aggregateKey.Kind]++;
        window.Series[aggregateKey] = state;
    }

    private bool IsClosed(long windowStart) =>
        _watermarkMs != long.MinValue && windowStart + Config.WindowMs + Config.GraceMs <= _watermarkMs;

    private long FirstWindowStart()
    {
        using var e = _windows.Keys.GetEnumerator();
        e.MoveNext();
        return e.Current;
    }

    private List<AggregateDocument> TakeEarly()
    {
        var output = new List<AggregateDocument>(_emittedEarly);
        _emittedEarly.Clear();
        return output;
    }

    private AggregateWindow GetOrOpen(long windowStart)
    {
        if (_windows.TryGetValue(windowStart, out var window)) return window;
        if (_windows.Count >= Config.MaxOpenWindows)
        {
            WindowsClosedEarly++;
            EmitWindow(FirstWindowStart(), _emittedEarly, early: true);
        }
        window = new AggregateWindow(windowStart);
        _windows.Add(windowStart, window);
        return window;
    }

    /// <summary>
    /// The operation series of a span, through the id shortcut; on a miss by name (<see cref="Series"/>), remembering
    /// the answer unless the limiter redirected it.
    /// </summary>
    private AggregateState OperationSeries(AggregateWindow window, StringTable strings, int service, int operation, int kind, int status)
    {
        long id = 0;
        bool packed = UseShortcuts && OperationId.TryPack(service, operation, kind, status, out id);
        if (packed && window.TryGetById(id, out var state))
        {
            Touch(window, state);
            return state;
        }
        var key = AggregateKey.Operation(strings[service], strings[operation], SpanKindNames[kind], OperationId.StatusNames[status]);
        state = Series(window, key, out bool admitted);
        if (packed && admitted) window.RememberId(id, state);
        return state;
    }

    /// <summary>
    /// The servicePath or spanCount series of <paramref name="text"/>, through the text shortcut; on a miss by name,
    /// remembering the answer unless the limiter redirected it.
    /// </summary>
    private AggregateState TextSeries(AggregateWindow window, AggregateKind kind, string text)
    {
        if (UseShortcuts && window.TryGetByText(kind, text, out var state))
        {
            Touch(window, state);
            return state;
        }
        var key = kind == AggregateKind.ServicePath ? AggregateKey.ServicePath(text) : SpanCountKey(text);
        state = Series(window, key, out bool admitted);
        if (admitted) window.RememberText(kind, text, state);
        return state;
    }

    /// <summary>
    /// The edge or rootOperation series named by the string instances of <paramref name="instances"/>, through the
    /// instance shortcut; on a miss by name (<paramref name="key"/>), remembering the answer unless the limiter
    /// redirected it.
    /// </summary>
    private AggregateState InstanceSeries(AggregateWindow window, in InstanceKey instances, AggregateKey key)
    {
        if (UseShortcuts && window.TryGetByInstances(instances, out var state))
        {
            Touch(window, state);
            return state;
        }
        state = Series(window, key, out bool admitted);
        if (admitted) window.RememberInstances(instances, state);
        return state;
    }

    /// <summary>
    /// The state to update for <paramref name="key"/>, marked changed: the existing series, a new one if the
    /// cardinality limit admits it, else the kind's overflow series (<paramref name="admitted"/> false: the
    /// limiter counted this update, and must count the next one too).
    /// </summary>
    private AggregateState Series(AggregateWindow window, AggregateKey key, out bool admitted)
    {
        admitted = true;
        if (!window.Series.TryGetValue(key, out var state))
        {
            var target = Limiter.Admit(key, exists: false, window.SeriesPerKind[(int)key.Kind]);
            admitted = target == key;
            if (!window.Series.TryGetValue(target, out state))
            {
                state = new AggregateState(target, Config);
                window.Series.Add(target, state);
                if (!target.IsOverflow) window.SeriesPerKind[(int)target.Kind]++;
            }
        }
        Touch(window, state);
        return state;
    }

    /// <summary>Queues a changed series for the next changelog write (once until then).</summary>
    private void Touch(AggregateWindow window, AggregateState state)
    {
        if (state.Dirty) return;
        state.Dirty = true;
        _dirty.Add((window.StartMs, state.Key, state));
    }

    private void EmitWindow(long windowStart, List<AggregateDocument> output, bool early)
    {
        var window = _windows[windowStart];
        _windows.Remove(windowStart);
        long windowEnd = windowStart + Config.WindowMs;
        var keyBuffer = new ArrayBufferWriter<byte>(128);
        long collapsed = 0;
        foreach (var (key, state) in window.Series)
        {
            state.Emitted = true;
            // Counted once, when the window's sketches are final (restored windows carry their count in the sketch).
            collapsed += state.Sketch.CollapsedCount;
            if (state.Logged)
            {
                keyBuffer.ResetWrittenCount();
                AggregateChangelogCodec.WriteKey(keyBuffer, windowStart, key);
                _pendingTombstones.Add(keyBuffer.WrittenSpan.ToArray());
            }
            output.Add(AggregateDocumentMapping.ToDocument(windowStart, windowEnd, key, state, Partition));
        }
        AggregateMetrics.WindowEmitted(early, collapsed);
    }

    private static long StartTimeUs(Trace trace, TraceFeatures features)
    {
        if (features.StartTimeUs != 0 || trace.Count == 0) return features.StartTimeUs;
        // Features without a start (a hand-built document) fall back to the earliest span.
        long min = long.MaxValue;
        foreach (ref readonly Span s in trace.Spans) if (s.StartUnixNanos < min) min = s.StartUnixNanos;
        return FloorDiv(min, 1000);
    }

    private static long FloorDiv(long a, long b)
    {
        long q = Math.DivRem(a, b, out long r);
        return r < 0 ? q - 1 : q;
    }
}
