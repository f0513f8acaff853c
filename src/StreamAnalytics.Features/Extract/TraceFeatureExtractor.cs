using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract.CriticalPath;
using StreamAnalytics.Features.Extract.Quality;
using StreamAnalytics.Features.Extract.ServiceGraph;
using StreamAnalytics.Features.Extract.ServicePaths;
using StreamAnalytics.Features.Extract.SpanCounts;
using StreamAnalytics.Features.Extract.Structure;
using StreamAnalytics.Features.Extract.Timing;
using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract;

/// <summary>
/// Turns one completed <see cref="Trace"/> into its <see cref="TraceFeatures"/> document. The entry point of the
/// extract step: the tree index is built once per trace and every feature reads it.
/// </summary>
/// <remarks>
/// <para>
/// Not thread-safe: an instance reuses its buffers from trace to trace, so use one per stream thread. Buffers grown
/// by a huge trace are released after it. <see cref="Extract"/> does not keep a reference to the trace.
/// </para>
/// <para>
/// Never throws on span content: orphans, duplicate ids, self-parents, parent cycles, clock skew and million-span
/// traces are handled (and counted in <see cref="TraceFeatures.Quality"/>), with no recursion on span depth.
/// </para>
/// <para>
/// The root (<c>rootService</c>, <c>rootOperation</c>, <c>rootError</c>) is the earliest-starting span without a
/// parent id; when every span has one (the real root is missing), the earliest-starting orphan or cycle member
/// stands in.
/// </para>
/// </remarks>
public sealed class TraceFeatureExtractor
{
    private readonly FeatureConfig _config;
    private readonly TraceTree _tree = new();
    private readonly OperationGroups _operations = new();
    private readonly StructureExtractor _structure = new();
    private readonly LinkBuilder _links = new();
    private readonly ServicePathsExtractor _servicePaths = new();
    private readonly CriticalPathExtractor _criticalPath = new();
    private readonly SelfTimeExtractor _selfTime = new();
    private readonly NetworkLatencyExtractor _networkLatency = new();

    /// <summary>Creates an extractor.</summary>
    /// <exception cref="ArgumentException">The config is invalid; the message names the key.</exception>
    public TraceFeatureExtractor(FeatureConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
    }

    /// <summary>The features of <paramref name="trace"/>. A trace with no spans gives zeros and empty collections.</summary>
    public TraceFeatures Extract(Trace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ReadOnlySpan<Span> spans = trace.Spans;
        StringTable strings = trace.Strings;
        var features = new TraceFeatures
        {
            Revision = trace.Revision,
            CompletionReason = CompletionReasonName(trace.Reason),
            SpanCount = spans.Length,
        };
        features.SetTraceId(trace.TraceId);
        try
        {
            _tree.Build(spans);
            if (spans.Length > 0)
            {
                features.StartTimeUs = _tree.TraceStartUs;
                features.DurationUs = _tree.TraceEndUs - _tree.TraceStartUs;
                int root = _tree.MainRoot;
                features.RootService = strings[spans[root].Service];
                features.RootOperation = strings[spans[root].Operation];
                features.RootError = spans[root].IsError;
            }
            _operations.Build(spans, strings);
            SpanCountsExtractor.Extract(_operations, features);
            _structure.Extract(_tree, features);
            _links.Build(_tree, spans, strings, _config.LinkSemantics, features.Edges);
            _servicePaths.Extract(_tree, spans, strings, _config.MaxServicePathLength, features);
            _criticalPath.Extract(_tree, spans, strings, features);
            _selfTime.Extract(_tree, _operations, features);
            _networkLatency.Extract(_tree, spans, strings, features);
            QualityExtractor.Extract(_tree, trace, features);
        }
        finally
        {
            _tree.Release();
            _operations.Release();
        }
        return features;
    }

    /// <summary>The camelCase name of a completion reason, as written in documents and metric labels.</summary>
    public static string CompletionReasonName(CompletionReason reason) => reason switch
    {
        CompletionReason.Gap => "gap",
        CompletionReason.Root => "root",
        CompletionReason.MaxDuration => "maxDuration",
        CompletionReason.MemoryPressure => "memoryPressure",
        CompletionReason.Late => "late",
        CompletionReason.EndOfInput => "endOfInput",
        _ => "unknown",
    };
}
