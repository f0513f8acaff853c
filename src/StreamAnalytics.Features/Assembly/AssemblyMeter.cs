using System.Diagnostics.Metrics;

namespace StreamAnalytics.Features.Assembly;

/// <summary>
/// The process-wide <see cref="Meter"/> <c>StreamAnalytics.Assembly</c>. Its instruments are observable: they read the
/// registered <see cref="AssemblyMetrics"/> when an exporter collects, so the per-span path only bumps a plain field.
/// </summary>
/// <remarks>
/// Instruments (labels): <c>assembly_open_traces</c> (task), <c>assembly_store_bytes</c> (task),
/// <c>assembly_traces_completed</c> (task, reason), <c>assembly_spans_dropped</c> (task, reason),
/// <c>assembly_late_spans</c> (task), <c>assembly_late_revisions</c> (task), <c>assembly_retained_bytes</c> (task).
/// Callbacks run on the exporter's thread and only read.
/// </remarks>
public static class AssemblyMeter
{
    /// <summary>The Meter's name.</summary>
    public const string MeterName = "StreamAnalytics.Assembly";

    private static readonly object Gate = new();
    private static readonly List<AssemblyMetrics> Registered = new();
    private static readonly string[] ReasonLabels = BuildReasonLabels();
    private static readonly string[] DropLabels = ["traceCap", "duplicate", "invalidTraceId"];

    /// <summary>The Meter.</summary>
    public static Meter Meter { get; } = CreateMeter();

    internal static void Register(AssemblyMetrics metrics)
    {
        lock (Gate)
        {
            if (!Registered.Contains(metrics)) Registered.Add(metrics);
        }
    }

    internal static void Unregister(AssemblyMetrics metrics)
    {
        lock (Gate) Registered.Remove(metrics);
    }

    /// <summary>The label value of a completion reason (camelCase, as in the trace-features document).</summary>
    public static string ReasonLabel(CompletionReason reason) => ReasonLabels[(int)reason];

    private static string[] BuildReasonLabels()
    {
        var values = Enum.GetValues<CompletionReason>();
        var labels = new string[values.Length];
        foreach (var v in values)
        {
            string name = v.ToString();
            labels[(int)v] = char.ToLowerInvariant(name[0]) + name[1..];
        }
        return labels;
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName);
        meter.CreateObservableGauge("assembly_open_traces", () => Gauge(static m => m.OpenTraces), unit: "{trace}",
            description: "Traces currently open in the assembly store.");
        meter.CreateObservableGauge("assembly_store_bytes", () => Gauge(static m => m.StoreBytes), unit: "By",
            description: "Accounted bytes of open traces (bounded by assembly.max.open.bytes).");
        meter.CreateObservableGauge("assembly_retained_bytes", () => Gauge(static m => m.RetainedBytes), unit: "By",
            description: "Accounted bytes kept for late spans (bounded by assembly.late.max.bytes).");
        meter.CreateObservableCounter("assembly_traces_completed", CompletedByReason, unit: "{trace}",
            description: "Traces emitted, by completion reason.");
        meter.CreateObservableCounter("assembly_spans_dropped", DroppedByReason, unit: "{span}",
            description: "Spans dropped by assembly, by reason.");
        meter.CreateObservableCounter("assembly_late_spans", () => Gauge(static m => m.LateSpans), unit: "{span}",
            description: "Spans that arrived for an already emitted trace within assembly.late.retention.ms.");
        meter.CreateObservableCounter("assembly_late_revisions", () => Gauge(static m => m.LateRevisions), unit: "{trace}",
            description: "Traces reopened by a late span.");
        // What the late-handling bounds cut: counted by the store all along, exported so every bound has its series.
        meter.CreateObservableCounter("assembly_late_spans_expired", () => Gauge(static m => m.ExpiredLateSpans), unit: "{span}",
            description: "Spans for a trace emitted longer than assembly.late.retention.ms ago; each started a new trace.");
        meter.CreateObservableCounter("assembly_retained_spans_released", () => Gauge(static m => m.RetainedSpansReleased), unit: "{span}",
            description: "Spans of emitted traces released early to keep within assembly.late.max.bytes.");
        meter.CreateObservableCounter("assembly_retained_traces_evicted", () => Gauge(static m => m.RetainedTracesEvicted), unit: "{trace}",
            description: "Emitted-trace records forgotten early to keep within assembly.late.max.bytes (a late span then starts a new trace).");
        meter.CreateObservableCounter("assembly_partial_late_revisions", () => Gauge(static m => m.PartialLateRevisions), unit: "{trace}",
            description: "Late revisions holding only the late spans because the earlier ones were released (assembly.late.max.bytes).");
        return meter;
    }

    private static List<Measurement<long>> Gauge(Func<AssemblyMetrics, long> read)
    {
        lock (Gate)
        {
            var result = new List<Measurement<long>>(Registered.Count);
            foreach (var m in Registered) result.Add(new Measurement<long>(read(m), new KeyValuePair<string, object?>("task", m.Task)));
            return result;
        }
    }

    private static List<Measurement<long>> CompletedByReason()
    {
        lock (Gate)
        {
            var result = new List<Measurement<long>>();
            foreach (var m in Registered)
            {
                for (int r = 0; r < ReasonLabels.Length; r++)
                {
                    result.Add(new Measurement<long>(m.TracesCompleted((CompletionReason)r),
                        new KeyValuePair<string, object?>("task", m.Task), new KeyValuePair<string, object?>("reason", ReasonLabels[r])));
                }
            }
            return result;
        }
    }

    private static List<Measurement<long>> DroppedByReason()
    {
        lock (Gate)
        {
            var result = new List<Measurement<long>>();
            foreach (var m in Registered)
            {
                for (int r = 0; r < DropLabels.Length; r++)
                {
                    result.Add(new Measurement<long>(m.SpansDropped((SpanDropReason)r),
                        new KeyValuePair<string, object?>("task", m.Task), new KeyValuePair<string, object?>("reason", DropLabels[r])));
                }
            }
            return result;
        }
    }
}
