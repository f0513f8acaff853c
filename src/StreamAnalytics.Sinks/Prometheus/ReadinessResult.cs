namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>The answer of one readiness check registered with <see cref="MetricsServer.AddReadinessCheck"/>.</summary>
/// <param name="IsReady">True when the component can do its work.</param>
/// <param name="Reason">Why not, shown in the <c>/readyz</c> body; null when ready. Must not contain secrets.</param>
public readonly record struct ReadinessResult(bool IsReady, string? Reason)
{
    /// <summary>Ready.</summary>
    public static ReadinessResult Ready => new(true, null);

    /// <summary>Not ready, because of <paramref name="reason"/>.</summary>
    public static ReadinessResult NotReady(string reason) => new(false, reason);
}
