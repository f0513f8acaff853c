using System.Diagnostics;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// Carries the trace id of the measurement being recorded to the exporter without making it a label (a trace-id
/// label would be unbounded cardinality). <see cref="DerivedMetrics"/> sets it around histogram records; other code
/// gets exemplars from <see cref="Activity.Current"/>.
/// </summary>
/// <remarks>Thread-static: MeterListener callbacks run synchronously on the recording thread.</remarks>
internal static class ExemplarContext
{
    [ThreadStatic] private static string? t_traceId;
    [ThreadStatic] private static double t_unixSeconds;

    public static string? CurrentTraceId
    {
        get
        {
            if (t_traceId is not null) return t_traceId;
            var activity = Activity.Current;
            return activity is not null && activity.TraceId != default ? activity.TraceId.ToHexString() : null;
        }
    }

    /// <summary>
    /// The exemplar timestamp: the time <see cref="With"/> was entered, so a trace's dozens of measurements read the
    /// clock once; the clock now for exemplars taken from <see cref="Activity.Current"/>.
    /// </summary>
    public static double CurrentUnixSeconds() =>
        t_traceId is not null ? t_unixSeconds : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public static Scope With(string traceId) => new(traceId);

    public readonly struct Scope : IDisposable
    {
        private readonly string? _previous;
        private readonly double _previousUnixSeconds;

        public Scope(string traceId)
        {
            _previous = t_traceId;
            _previousUnixSeconds = t_unixSeconds;
            t_traceId = traceId;
            t_unixSeconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        }

        public void Dispose()
        {
            t_traceId = _previous;
            t_unixSeconds = _previousUnixSeconds;
        }
    }
}
