using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;

namespace StreamAnalytics.Features;

/// <summary>
/// Creates the feature meters' instruments up front. They are static and would otherwise appear on first use (the
/// first window emitted, the first task assigned), so a fresh engine's scrape would lack series that alerts use.
/// </summary>
public static class FeatureMeters
{
    /// <summary>Creates the Assembly, Aggregate and Decode instruments and declares the source format's decode series.</summary>
    public static void EnsureCreated(SpanFormat sourceFormat)
    {
        _ = AssemblyMeter.Meter;
        AggregateMetrics.EnsureCreated();
        DecodeMetrics.Declare(sourceFormat);
    }
}
