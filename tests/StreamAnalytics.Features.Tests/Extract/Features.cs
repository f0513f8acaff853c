using StreamAnalytics.Features.Extract;

namespace StreamAnalytics.Features.Tests.Extract;

/// <summary>Runs the whole extractor, as production does, for tests that look at one feature.</summary>
internal static class Features
{
    public static TraceFeatures Of(TestTrace trace, LinkSemantics semantics = LinkSemantics.Auto) =>
        new TraceFeatureExtractor(new FeatureConfig { LinkSemantics = semantics }).Extract(trace.Build());
}
