using System.Diagnostics.Metrics;

namespace StreamAnalytics.Features.Extract;

/// <summary>The Meter <c>StreamAnalytics.Features</c>: what feature extraction's bounds cut (listed in docs/METRICS.md).</summary>
internal static class FeatureMetrics
{
    public const string MeterName = "StreamAnalytics.Features";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> PathsShortened = Meter.CreateCounter<long>("features_service_paths_shortened", "{trace}",
        "Traces with a service path cut at features.service.paths.max.length (the path ends in '...').");

    public static void ServicePathsShortened() => PathsShortened.Add(1);
}
