using System.Diagnostics.Metrics;

namespace StreamAnalytics.Features.Extract;

/// <summary>The Meter <c>StreamAnalytics.Features</c>: what feature extraction's bounds cut (listed in docs/METRICS.md).</summary>
internal static class FeatureMetrics
{
    public const string MeterName = "StreamAnalytics.Features";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> PathsShortened = Meter.CreateCounter<long>("features_service_paths_shortened", "{trace}",
        "Traces with a service path cut at features.service.paths.max.length (the path ends in '...').");

    private static readonly Counter<long> DocumentsCapped = Meter.CreateCounter<long>("features_documents_capped", "{document}",
        "Trace documents with a list cut at features.document.max.entries or features.document.max.critical.path.sections (the document has an omitted object).");

    private static readonly Counter<long> EntriesOmitted = Meter.CreateCounter<long>("features_document_entries_omitted", "{entry}",
        "Entries left out of capped trace documents, per list (label list); aggregates still count them.");

    public static void ServicePathsShortened() => PathsShortened.Add(1);

    public static void DocumentCapped(DocumentOmissions omitted)
    {
        DocumentsCapped.Add(1);
        Omit("spanCounts", omitted.SpanCounts);
        Omit("edges", omitted.Edges);
        Omit("servicePaths", omitted.ServicePaths);
        Omit("criticalPath", omitted.CriticalPath);
        Omit("criticalPathByService", omitted.CriticalPathByService);
        Omit("selfTimeByOperation", omitted.SelfTimeByOperation);
        Omit("networkLatencies", omitted.NetworkLatencies);
    }

    private static void Omit(string list, int count)
    {
        if (count > 0) EntriesOmitted.Add(count, new KeyValuePair<string, object?>("list", list));
    }
}
