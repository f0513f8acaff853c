using System.Globalization;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// Settings of trace assembly (the open-trace store and its completion rules), as typed properties over the dotted
/// <c>assembly.*</c> keys. Every limit here has a counter in <see cref="AssemblyMetrics"/> for what it cut.
/// </summary>
/// <remarks>Immutable once built; <see cref="Validate"/> names the offending key. See <c>Assembly/README.md</c> for the policies.</remarks>
public sealed class AssemblyConfig
{
    /// <summary>Key of <see cref="GapMs"/>.</summary>
    public const string GapMsKey = "assembly.gap.ms";
    /// <summary>Key of <see cref="MaxTraceDurationMs"/>.</summary>
    public const string MaxTraceDurationMsKey = "assembly.max.trace.duration.ms";
    /// <summary>Key of <see cref="RootGraceMs"/>.</summary>
    public const string RootGraceMsKey = "assembly.root.grace.ms";
    /// <summary>Key of <see cref="MaxSpansPerTrace"/>.</summary>
    public const string MaxSpansPerTraceKey = "assembly.max.spans.per.trace";
    /// <summary>Key of <see cref="MaxOpenBytes"/>.</summary>
    public const string MaxOpenBytesKey = "assembly.max.open.bytes";
    /// <summary>Key of <see cref="MaxOpenTraces"/>.</summary>
    public const string MaxOpenTracesKey = "assembly.max.open.traces";
    /// <summary>Key of <see cref="LateRetentionMs"/>.</summary>
    public const string LateRetentionMsKey = "assembly.late.retention.ms";
    /// <summary>Key of <see cref="LateMaxBytes"/>.</summary>
    public const string LateMaxBytesKey = "assembly.late.max.bytes";
    /// <summary>Key of <see cref="ChangelogRetentionMs"/>.</summary>
    public const string ChangelogRetentionMsKey = "assembly.changelog.retention.ms";
    /// <summary>Key of <see cref="TraceIdStrict"/>.</summary>
    public const string TraceIdStrictKey = "assembly.trace.id.strict";

    /// <summary>What the default <see cref="EffectiveChangelogRetentionMs"/> adds to max duration + late retention: room for a restart.</summary>
    public const long ChangelogRetentionMarginMs = 10 * 60 * 1000;

    /// <summary>Smallest accepted <see cref="MaxOpenBytes"/>: below this the store would thrash on every span.</summary>
    public const long MinOpenBytes = 64 * 1024;

    /// <summary>The defaults.</summary>
    public static AssemblyConfig Default { get; } = new();

    /// <summary>Largest accepted duration: one day.</summary>
    private const long MaxDurationMs = 86_400_000;

    /// <summary>
    /// Every <c>assembly.*</c> key with its default (read from <see cref="Default"/>), bounds and doc text: the job's
    /// registry and docs/CONFIGURATION.md list these. Declared after <see cref="Default"/>, which it reads.
    /// </summary>
    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        ConfigKey.Integer(GapMsKey, Default.GapMs, 1, MaxDurationMs, "A trace completes after this long without a new span (stream time and wall clock)."),
        ConfigKey.Integer(MaxTraceDurationMsKey, Default.MaxTraceDurationMs, 1, MaxDurationMs, "A trace completes at the latest this long after its first span."),
        ConfigKey.Integer(RootGraceMsKey, Default.RootGraceMs, 0, MaxDurationMs, "A trace completes this long after its root span arrived."),
        ConfigKey.Integer(MaxSpansPerTraceKey, Default.MaxSpansPerTrace, 1, 10_000_000, "Spans kept per trace; more are counted and the trace is flagged truncated."),
        ConfigKey.Integer(MaxOpenBytesKey, Default.MaxOpenBytes, MinOpenBytes, long.MaxValue, "Memory budget of open traces per assembly task (an instance runs one per repartition partition it owns, so it holds up to this times its tasks); above it the task's oldest traces complete early (reason memoryPressure)."),
        ConfigKey.Integer(LateRetentionMsKey, Default.LateRetentionMs, 0, MaxDurationMs, "How long after emission a late span still yields a follow-up revision of its trace."),
        ConfigKey.OptionalInteger(MaxOpenTracesKey, 1, int.MaxValue, "Optional cap on open traces per assembly task (empty = only the byte budget)."),
        ConfigKey.Integer(LateMaxBytesKey, Default.LateMaxBytes, 0, long.MaxValue, "Memory per assembly task for emitted traces kept to build late revisions (as accounted: the ring holding their spans can reach about 1.25 times this while reopened traces leave holes in it)."),
        ConfigKey.OptionalInteger(ChangelogRetentionMsKey, 1, long.MaxValue, "retention.ms of the open-traces changelog (empty = max trace duration + late retention + 10 min)."),
        ConfigKey.Boolean(TraceIdStrictKey, Default.TraceIdStrict, "false = spans whose trace ids have the same lower 64 bits form one trace (a 64-bit id and the 128-bit id it was cut from, as Zipkin's STRICT_TRACE_ID=false); the trace reports the 128-bit form when any span has it. Decides the repartition key too: change it only with a new application.id, or traces open at the switch are split."),
    ];

    /// <summary>
    /// A trace completes when no span of it arrived for this long, by stream time or by wall clock, whichever comes
    /// first (the wall-clock rule flushes quiet partitions). default: 10000; importance: high.
    /// </summary>
    public long GapMs { get; init; } = 10_000;

    /// <summary>
    /// A trace completes this long after its first span arrived (stream time or wall clock, whichever first), however
    /// busy it still is. default: 300000; importance: medium.
    /// </summary>
    public long MaxTraceDurationMs { get; init; } = 300_000;

    /// <summary>
    /// Once the root span (no parent) has arrived, the trace completes after this much more time (stream time or wall
    /// clock, whichever first), without waiting for the gap. default: 2000; importance: medium.
    /// </summary>
    public long RootGraceMs { get; init; } = 2_000;

    /// <summary>
    /// Most spans kept per trace (per revision, counting spans retained from earlier revisions). Further spans are
    /// dropped, counted (<c>assembly_spans_dropped{reason="traceCap"}</c>) and the trace is flagged truncated.
    /// default: 10000; importance: high.
    /// </summary>
    public int MaxSpansPerTrace { get; init; } = 10_000;

    /// <summary>
    /// Byte budget of open traces (spans plus per-trace bookkeeping, see <see cref="OpenTraceStore.SpanSlotBytes"/> and
    /// <see cref="OpenTraceStore.TraceEntryBytes"/>). When over it, the oldest open traces complete early with reason
    /// MemoryPressure until it holds again. default: 536870912 (512 MiB); importance: high.
    /// </summary>
    public long MaxOpenBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>
    /// Optional cap on open traces; when reached, the oldest completes early (MemoryPressure), as for the byte budget.
    /// null: no cap beyond the byte budget. default: null; importance: low.
    /// </summary>
    public int? MaxOpenTraces { get; init; }

    /// <summary>
    /// How long after emission a trace is remembered for late spans (stream time or wall clock, whichever first). A
    /// late span within it reopens the trace as the next revision; after it, the span starts a new trace. 0 disables
    /// late handling. default: 60000; importance: medium.
    /// </summary>
    public long LateRetentionMs { get; init; } = 60_000;

    /// <summary>
    /// Byte budget of what is kept for late handling: the compact record of each emitted trace and, while they fit,
    /// its spans (so a revision can contain every span). When over it, the spans of the oldest records are released
    /// first, then the oldest records. 0 disables late handling. default: 67108864 (64 MiB); importance: medium.
    /// </summary>
    public long LateMaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// <c>retention.ms</c> of the open-trace changelog (an append log with <c>cleanup.policy=delete</c>). It must exceed
    /// <see cref="MaxTraceDurationMs"/> + <see cref="LateRetentionMs"/>, or restore misses the first spans of long traces;
    /// add the longest downtime to tolerate. Restore reads all of it, so longer costs restart time.
    /// default: null = max duration + late retention + 10 min; importance: medium.
    /// </summary>
    public long? ChangelogRetentionMs { get; init; }

    /// <summary>
    /// True: a trace is the spans with exactly the same 128-bit trace id. False: spans whose ids agree in the lower 64
    /// bits are one trace (Zipkin's <c>STRICT_TRACE_ID=false</c>: instrumentation that sends 128-bit ids next to
    /// 64-bit-only hops); the repartition key and the open-trace index then use the lower 64 bits
    /// (<see cref="Repartition.TraceIdKey.JoinKey"/>), and the completed trace reports the first 128-bit form any of
    /// its spans carried, else the 64-bit one. default: true; importance: low.
    /// </summary>
    public bool TraceIdStrict { get; init; } = true;

    /// <summary>The changelog retention in effect (<see cref="ChangelogRetentionMs"/> or its default).</summary>
    public long EffectiveChangelogRetentionMs => ChangelogRetentionMs ?? MaxTraceDurationMs + LateRetentionMs + ChangelogRetentionMarginMs;

    /// <summary>
    /// Interval of the wall-clock and stream-time punctuators: a quarter of the gap, at most one second, at least 1 ms.
    /// Completion may lag its deadline by up to this much.
    /// </summary>
    public TimeSpan PunctuationInterval => TimeSpan.FromMilliseconds(Math.Clamp(GapMs / 4, 1, 1000));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first key whose value is out of range.</summary>
    public AssemblyConfig Validate()
    {
        if (GapMs <= 0) throw Invalid(GapMsKey, GapMs, "must be greater than 0");
        if (MaxTraceDurationMs <= 0) throw Invalid(MaxTraceDurationMsKey, MaxTraceDurationMs, "must be greater than 0");
        if (RootGraceMs < 0) throw Invalid(RootGraceMsKey, RootGraceMs, "must not be negative");
        if (MaxSpansPerTrace < 1) throw Invalid(MaxSpansPerTraceKey, MaxSpansPerTrace, "must be at least 1");
        if (MaxOpenBytes < MinOpenBytes) throw Invalid(MaxOpenBytesKey, MaxOpenBytes, $"must be at least {MinOpenBytes}");
        if (MaxOpenTraces is < 1) throw Invalid(MaxOpenTracesKey, MaxOpenTraces.Value, "must be at least 1 (or unset for no cap)");
        if (LateRetentionMs < 0) throw Invalid(LateRetentionMsKey, LateRetentionMs, "must not be negative (0 disables late handling)");
        if (LateMaxBytes < 0) throw Invalid(LateMaxBytesKey, LateMaxBytes, "must not be negative (0 disables late handling)");
        if (ChangelogRetentionMs is long retention && retention <= MaxTraceDurationMs + LateRetentionMs)
        {
            throw Invalid(ChangelogRetentionMsKey, retention,
                $"must be greater than {MaxTraceDurationMsKey} + {LateRetentionMsKey} ({MaxTraceDurationMs + LateRetentionMs}), or restore loses spans");
        }
        return this;
    }

    /// <summary>
    /// Reads the <c>assembly.*</c> keys of <paramref name="settings"/> over the defaults and validates the result.
    /// An unknown <c>assembly.*</c> key is an error (a typo would otherwise silently keep a default); other keys are ignored.
    /// </summary>
    public static AssemblyConfig FromDictionary(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var c = new AssemblyConfig();
        foreach (var (key, value) in settings)
        {
            if (!key.StartsWith("assembly.", StringComparison.Ordinal)) continue;
            c = key switch
            {
                GapMsKey => new AssemblyConfig(c) { GapMs = ParseLong(key, value) },
                MaxTraceDurationMsKey => new AssemblyConfig(c) { MaxTraceDurationMs = ParseLong(key, value) },
                RootGraceMsKey => new AssemblyConfig(c) { RootGraceMs = ParseLong(key, value) },
                MaxSpansPerTraceKey => new AssemblyConfig(c) { MaxSpansPerTrace = (int)Math.Clamp(ParseLong(key, value), int.MinValue, int.MaxValue) },
                MaxOpenBytesKey => new AssemblyConfig(c) { MaxOpenBytes = ParseLong(key, value) },
                MaxOpenTracesKey => new AssemblyConfig(c)
                {
                    MaxOpenTraces = string.IsNullOrWhiteSpace(value) ? null : (int)Math.Clamp(ParseLong(key, value), int.MinValue, int.MaxValue),
                },
                LateRetentionMsKey => new AssemblyConfig(c) { LateRetentionMs = ParseLong(key, value) },
                LateMaxBytesKey => new AssemblyConfig(c) { LateMaxBytes = ParseLong(key, value) },
                ChangelogRetentionMsKey => new AssemblyConfig(c) { ChangelogRetentionMs = string.IsNullOrWhiteSpace(value) ? null : ParseLong(key, value) },
                TraceIdStrictKey => new AssemblyConfig(c) { TraceIdStrict = ParseBool(key, value) },
                _ => throw new ArgumentException($"unknown setting '{key}'; assembly keys are {GapMsKey}, {MaxTraceDurationMsKey}, {RootGraceMsKey}, "
                    + $"{MaxSpansPerTraceKey}, {MaxOpenBytesKey}, {MaxOpenTracesKey}, {LateRetentionMsKey}, {LateMaxBytesKey}, {ChangelogRetentionMsKey}, {TraceIdStrictKey}", nameof(settings)),
            };
        }
        return c.Validate();
    }

    /// <summary>Creates the defaults.</summary>
    public AssemblyConfig() { }

    private AssemblyConfig(AssemblyConfig other)
    {
        GapMs = other.GapMs;
        MaxTraceDurationMs = other.MaxTraceDurationMs;
        RootGraceMs = other.RootGraceMs;
        MaxSpansPerTrace = other.MaxSpansPerTrace;
        MaxOpenBytes = other.MaxOpenBytes;
        MaxOpenTraces = other.MaxOpenTraces;
        LateRetentionMs = other.LateRetentionMs;
        LateMaxBytes = other.LateMaxBytes;
        ChangelogRetentionMs = other.ChangelogRetentionMs;
        TraceIdStrict = other.TraceIdStrict;
    }

    private static long ParseLong(string key, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new ArgumentException($"{key}: '{value}' is not an integer", key);

    private static bool ParseBool(string key, string value) =>
        bool.TryParse(value.Trim(), out bool v)
            ? v
            : throw new ArgumentException($"{key}: '{value}' is not true or false", key);

    private static ArgumentException Invalid(string key, long value, string rule) =>
        new($"{key} = {value.ToString(CultureInfo.InvariantCulture)} {rule}", key);
}
