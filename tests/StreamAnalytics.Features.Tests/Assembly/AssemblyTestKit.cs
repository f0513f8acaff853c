using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.State;
using StreamAnalytics.Streams.Testing;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Tests.Assembly;

/// <summary>Builders and fakes shared by the assembly and repartition tests.</summary>
internal static class AssemblyTestKit
{
    public const long T0Wall = 1_767_225_600_000; // 2026-01-01, TopologyTestDriver.DefaultWallClockStart

    public static TraceId Tid(ulong n) => new(0xA11CE, n);

    public static ModelSpan Span(StringTable strings, TraceId trace, ulong spanId, ulong parent = 0,
        string service = "checkout", string operation = "GET /cart", long startMs = 1_000, SpanKind kind = SpanKind.Server)
    {
        return new ModelSpan
        {
            TraceId = trace,
            SpanId = new SpanId(spanId),
            ParentSpanId = new SpanId(parent),
            StartUnixNanos = startMs * 1_000_000,
            DurationNanos = 5_000_000,
            Service = strings.Intern(service),
            Operation = strings.Intern(operation),
            Kind = kind,
        };
    }

    /// <summary>A non-root span (parent 1) of <paramref name="trace"/>.</summary>
    public static ModelSpan Child(StringTable strings, TraceId trace, ulong spanId) => Span(strings, trace, spanId, parent: 1);

    public static AssemblyConfig Config(Func<AssemblyConfig, AssemblyConfig>? change = null)
    {
        var c = new AssemblyConfig
        {
            GapMs = 10_000,
            MaxTraceDurationMs = 300_000,
            RootGraceMs = 2_000,
            MaxSpansPerTrace = 10_000,
            MaxOpenBytes = 64L * 1024 * 1024,
            LateRetentionMs = 60_000,
            LateMaxBytes = 16L * 1024 * 1024,
        };
        return change is null ? c : change(c);
    }

    public static OpenTraceStore Store(AssemblyConfig? config = null, StringTable? strings = null, TimeProvider? time = null) =>
        new(config ?? Config(), strings ?? new StringTable(), time ?? new FakeTimeProvider(TopologyTestDriver.DefaultWallClockStart), new AssemblyMetrics("test", registerWithMeter: false));

    public static ulong[] SpanIds(Trace trace)
    {
        var ids = new ulong[trace.Count];
        for (int i = 0; i < trace.Count; i++) ids[i] = trace.Spans[i].SpanId.Value;
        return ids;
    }
}

/// <summary>Records every changelog call, in order, as the runtime's producer would see them.</summary>
internal sealed class RecordingChangelog : IChangelog
{
    public List<(byte[] Key, byte[]? Value)> Records { get; } = new();

    public string? Topic => "app-open-traces-changelog";

    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Records.Add((key.ToArray(), value.ToArray()));

    public void AppendTombstone(ReadOnlySpan<byte> key) => Records.Add((key.ToArray(), null));

    public int Appends => Records.Count(r => r.Value is not null);

    public int Tombstones => Records.Count(r => r.Value is null);
}

/// <summary>A store context that hands out a <see cref="RecordingChangelog"/> and keeps the restore callback.</summary>
internal sealed class FakeStateStoreContext : IStateStoreContext
{
    public RecordingChangelog Changelog { get; } = new();

    public StateRestoreCallback? Restore { get; private set; }

    public string ApplicationId => "app";

    public TaskId TaskId => new(0, 0);

    public IChangelog Register(IStateStore store, StateRestoreCallback restore)
    {
        Restore = restore;
        return Changelog;
    }

    /// <summary>Replays <paramref name="records"/> into the registered callback, as the runtime's restore does.</summary>
    public void Replay(IEnumerable<(byte[] Key, byte[]? Value)> records)
    {
        foreach (var (key, value) in records) Restore!(key, value ?? ReadOnlySpan<byte>.Empty, value is null);
    }
}

/// <summary>A processor context: forwarded records are collected, punctuators fire when a test says so.</summary>
internal sealed class FakeProcessorContext<TKey, TValue>(FakeTimeProvider time, params IStateStore[] stores) : IProcessorContext<TKey, TValue>
{
    public List<Record<TKey, TValue>> Forwarded { get; } = new();

    public List<(TimeSpan Interval, PunctuationType Type, IPunctuator Punctuator)> Schedules { get; } = new();

    public string ApplicationId => "app";

    public TaskId TaskId => new(0, 0);

    public RecordMetadata? RecordMetadata => null;

    public long CurrentStreamTimeMs { get; set; } = -1;

    public long CurrentSystemTimeMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Forward(Record<TKey, TValue> record) => Forwarded.Add(record);

    public void Forward(Record<TKey, TValue> record, string childName) => Forwarded.Add(record);

    public ICancellable Schedule(TimeSpan interval, PunctuationType type, IPunctuator punctuator)
    {
        Schedules.Add((interval, type, punctuator));
        return new NoopCancellable();
    }

    public TStore GetStateStore<TStore>(string name) where TStore : class, IStateStore =>
        stores.FirstOrDefault(s => s.Name == name) as TStore ?? throw new InvalidOperationException($"no store {name}");

    public void RequestCommit() { }

    /// <summary>Fires every punctuator of <paramref name="type"/> once, as the runtime would when its interval passed.</summary>
    public void Punctuate(PunctuationType type)
    {
        long now = type == PunctuationType.WallClockTime ? CurrentSystemTimeMs : CurrentStreamTimeMs;
        foreach (var s in Schedules.Where(s => s.Type == type).ToList()) s.Punctuator.Punctuate(now);
    }

    private sealed class NoopCancellable : ICancellable
    {
        public void Cancel() { }
    }
}

/// <summary>
/// A changelog that holds deletes logged with <see cref="AppendTombstoneAfterCommit"/> until <see cref="Committed"/>,
/// sending a held delete first when its key is appended again: the runtime's at_least_once order.
/// </summary>
internal sealed class DeferringChangelog : IChangelog
{
    private readonly List<byte[]> _held = new();

    public List<(byte[] Key, byte[]? Value)> Records { get; } = new();

    public string? Topic => "app-open-traces-changelog";

    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        byte[] k = key.ToArray();
        int i = _held.FindIndex(h => h.AsSpan().SequenceEqual(k));
        if (i >= 0)
        {
            _held.RemoveAt(i);
            Records.Add((k, null));
        }
        Records.Add((k, value.ToArray()));
    }

    public void AppendTombstone(ReadOnlySpan<byte> key) => Records.Add((key.ToArray(), null));

    public void AppendTombstoneAfterCommit(ReadOnlySpan<byte> key)
    {
        byte[] k = key.ToArray();
        if (!_held.Exists(h => h.AsSpan().SequenceEqual(k))) _held.Add(k);
    }

    /// <summary>The commit succeeded: held deletes go out in the order they were logged.</summary>
    public void Committed()
    {
        foreach (byte[] k in _held) Records.Add((k, null));
        _held.Clear();
    }
}

/// <summary>A store context that hands out a <see cref="DeferringChangelog"/>.</summary>
internal sealed class DeferringStateStoreContext : IStateStoreContext
{
    public DeferringChangelog Changelog { get; } = new();

    public string ApplicationId => "app";

    public TaskId TaskId => new(0, 0);

    public IChangelog Register(IStateStore store, StateRestoreCallback restore) => Changelog;
}
