using System.Diagnostics;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;

namespace StreamAnalytics.Bench;

/// <summary>
/// The external sink of the benchmarked job: counts what the job emits and, while <see cref="RecordEmissions"/> is on,
/// when each trace's features were handed over (a <see cref="Stopwatch"/> timestamp), for the completion latency.
/// </summary>
/// <remarks>Called on the stream threads; thread-safe. Durable at once, so <see cref="Flush"/> does nothing.</remarks>
internal sealed class BenchSink : ISink
{
    private readonly object _gate = new();
    private readonly Dictionary<TraceId, long> _emittedAt = new();
    private long _traces;
    private long _spans;
    private long _aggregates;
    private long _revisions;

    /// <summary>Root service of the bench's end-of-data mark (<see cref="KafkaBenchmark"/>): its traces are not counted.</summary>
    public const string WatermarkService = "bench-watermark";

    private long _target = long.MaxValue;
    private long _countReachedAt;

    public volatile bool RecordEmissions;

    /// <summary>When the first revision of the <c>n</c>-th trace was handed over, n set by <see cref="MarkWhenCountReaches"/> (Stopwatch ticks; 0 until then).</summary>
    public long CountReachedAt => Volatile.Read(ref _countReachedAt);

    /// <summary>Notes the moment the count of first revisions reaches <paramref name="traces"/>. Call before the job starts.</summary>
    public void MarkWhenCountReaches(long traces) => _target = traces;

    public long Traces => Interlocked.Read(ref _traces);

    /// <summary>Sum of the span counts of emitted features (first revisions only).</summary>
    public long Spans => Interlocked.Read(ref _spans);

    /// <summary>Follow-up revisions (late spans) emitted.</summary>
    public long Revisions => Interlocked.Read(ref _revisions);

    public long Aggregates => Interlocked.Read(ref _aggregates);

    public void Add(FeaturesDocument document, CancellationToken cancellationToken = default)
    {
        TraceFeatures features = document.Features;
        long now = Stopwatch.GetTimestamp();
        if (features.Revision != 0)
        {
            Interlocked.Increment(ref _revisions);
            return;
        }
        if (features.RootService == WatermarkService) return;
        if (Interlocked.Increment(ref _traces) == _target) Volatile.Write(ref _countReachedAt, now);
        Interlocked.Add(ref _spans, features.SpanCount);
        if (!RecordEmissions) return;
        if (!TraceId.TryParseHex(features.TraceId, out TraceId id)) return;
        lock (_gate) _emittedAt.TryAdd(id, now);
    }

    public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) => Interlocked.Increment(ref _aggregates);

    public void Flush(CancellationToken cancellationToken) { }

    /// <summary>When the features of <paramref name="traceId"/> were emitted, if they were while recording.</summary>
    public bool TryGetEmission(TraceId traceId, out long timestamp)
    {
        lock (_gate) return _emittedAt.TryGetValue(traceId, out timestamp);
    }

    public int EmissionCount
    {
        get { lock (_gate) return _emittedAt.Count; }
    }
}
