namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>The two text formats <c>/metrics</c> serves, chosen by the scraper's Accept header.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (<c>text/plain; version=0.0.4</c>).</summary>
    Text004,
    /// <summary>OpenMetrics 1.0 text (<c>application/openmetrics-text; version=1.0.0</c>), with exemplars and <c># EOF</c>.</summary>
    OpenMetrics,
}
