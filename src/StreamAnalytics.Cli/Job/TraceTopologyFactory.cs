using Confluent.Kafka;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams;

namespace StreamAnalytics.Cli.Job;

/// <summary>
/// Wires the trace job as a topology (the data flow of the README's picture):
/// <code>
/// sub-topology 0:  spans-source → decode ─→ spans-by-trace-sink → {app}-spans-by-trace-repartition
/// sub-topology 1:  spans-by-trace → assemble[open-traces] → extract ─┬→ documents (metrics, Elasticsearch, file) → features-sink → {app}-trace-features
///                                                                   └→ aggregate[trace-aggregates] → aggregates (Elasticsearch, file)
/// </code>
/// <c>documents</c> serializes each trace's document once; the topic, Elasticsearch and the files get the same bytes.
/// When the source is keyed by trace id (Jaeger), decode feeds assemble directly and there is one sub-topology.
/// </summary>
public static class TraceTopologyFactory
{
    public const string RepartitionName = "spans-by-trace";

    public static Topology Build(TraceJobSettings s, IReadOnlyList<ISink> sinks, DerivedMetrics? metrics, TimeProvider time, StringTable strings)
    {
        var topology = new Topology();
        topology.AddSource("spans-source", s.SourceTopics.ToArray());
        topology.AddProcessor("decode", () => new SpanDecodeProcessor(s.Format, strings, s.Decoder, s.Assembly.TraceIdStrict), "spans-source");

        string assembleParent;
        if (s.KeyedByTraceId)
        {
            assembleParent = "decode";
        }
        else
        {
            topology.AddRepartition(RepartitionName, new Serde<TraceId>(TraceIdKeySerde.Instance, TraceIdKeySerde.Instance),
                new Serde<SpanGroup>(SpanGroupSerializer.Instance, SpanCodecValueDeserializer.Instance), ["decode"],
                partitions: s.RepartitionPartitions > 0 ? s.RepartitionPartitions : null); // the runtime's producer places keys by murmur2, as Kafka Streams does
            assembleParent = RepartitionName;
        }

        topology.AddProcessor("assemble", () => new TraceAssemblyProcessor(), assembleParent);
        // No metrics object: the store makes its own per task, labelled with the task id at Init.
        topology.AddStateStore(() => new OpenTraceStore(s.Assembly, strings, time), "assemble");
        topology.AddProcessor("extract", () => new FeatureExtractionProcessor(s.Features), "assemble");
        var caps = new DocumentCaps(s.Features);
        bool toTopic = s.FeaturesTopic is not null;
        topology.AddProcessor("documents", () => new FeaturesSinkProcessor(sinks, metrics, s.WriteFeatureDocuments, s.FeatureSelection, caps, forward: toTopic), "extract");
        if (s.FeaturesTopic is not null)
            topology.AddSink("features-sink", s.FeaturesTopic, TopicSerializers.TraceIdHex, TopicSerializers.FeaturesDocument, "documents");
        topology.AddProcessor("aggregate", () => new AggregationProcessor(s.Assembly.GapMs), "extract");
        topology.AddStateStore(() => new WindowStore(new WindowedAggregator(s.Aggregate, kinds: s.AggregateKinds)), "aggregate");
        topology.AddProcessor("aggregates", () => new AggregatesSinkProcessor(sinks, s.AggregateKinds), "aggregate");
        return topology;
    }
}
