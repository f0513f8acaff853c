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

    public static string? CurrentTraceId
    {
        get
        {
            if (t_traceId is not null) return t_traceId;
            var activity = Activity.Current;
            return activity is not null && activity.TraceId != default ? activity.TraceId.ToHexString() : null;
        }
    }

    public static Scope With(string traceId) => new(traceId);

    public readonly struct Scope : IDisposable
    {
        private readonly string? _previous;

        public Scope(string traceId)
        {
            _previous = t_traceId;
            t_traceId = traceId;
        }

        public void Dispose() => t_traceId = _previous;
    }
}
