using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Testing.State;

namespace StreamAnalytics.Streams.Tests;

public class TopologyTests
{
    [Fact]
    public void Describe_lists_subtopologies_nodes_edges_and_stores()
    {
        var topology = new Topology()
            .AddSource("raw", "spans")
            .AddProcessor("decode", () => new Pass<byte[]?, byte[]?>(), "raw")
            .AddRepartition("by-trace", Serdes.ByteArray, Serdes.ByteArray, ["decode"])
            .AddProcessor("assemble", () => new Pass<byte[], byte[]>(), "by-trace")
            .AddStateStore(Stores.InMemoryKeyValueStore("open", Serdes.ByteArray, Serdes.ByteArray), "assemble")
            .AddSink("out", "traces", Serializers.ByteArray, Serializers.ByteArray, "assemble");

        Assert.Equal(
            """
            Topologies:
               Sub-topology: 0
                Source: raw (topics: [spans])
                  --> decode
                Processor: decode (stores: [])
                  --> by-trace-sink
                  <-- raw
                Sink: by-trace-sink (topic: ${application.id}-by-trace-repartition)
                  <-- decode

               Sub-topology: 1
                Source: by-trace (topics: [${application.id}-by-trace-repartition])
                  --> assemble
                Processor: assemble (stores: [open])
                  --> out
                  <-- by-trace
                Sink: out (topic: traces)
                  <-- assemble
                Store: open (changelog: ${application.id}-open-changelog)


            """.ReplaceLineEndings("\n"),
            topology.Describe());
    }

    [Fact]
    public void A_child_whose_input_types_differ_from_its_parents_output_is_rejected()
    {
        var topology = new Topology().AddSource("in", Deserializers.Utf8, Deserializers.Int64, "t");
        var ex = Assert.Throws<TopologyException>(() => topology.AddProcessor("p", () => new Pass<string, string>(), "in"));
        Assert.Contains("'in' forwards Record<String, Int64>", ex.Message);
    }

    [Fact]
    public void Unknown_parents_duplicate_names_and_sinks_as_parents_are_rejected()
    {
        var topology = new Topology().AddSource("in", "t").AddSink("out", "o", Serializers.ByteArray, Serializers.ByteArray, "in");
        Assert.Contains("parent 'nope'", Assert.Throws<TopologyException>(() => topology.AddProcessor("p", () => new Pass<byte[]?, byte[]?>(), "nope")).Message);
        Assert.Contains("'in' already exists", Assert.Throws<TopologyException>(() => topology.AddSource("in", "t2")).Message);
        Assert.Contains("sink 'out'", Assert.Throws<TopologyException>(() => topology.AddProcessor("p", () => new Pass<byte[]?, byte[]?>(), "out")).Message);
    }

    [Fact]
    public void A_topic_can_be_read_by_one_source_only()
    {
        var topology = new Topology().AddSource("a", "t");
        Assert.Contains("already read by source 'a'", Assert.Throws<TopologyException>(() => topology.AddSource("b", "t")).Message);
    }

    [Fact]
    public void A_stateful_subtopology_reading_two_topics_is_rejected()
    {
        var topology = new Topology()
            .AddSource("a", "t1")
            .AddSource("b", "t2")
            .AddProcessor("p", () => new Pass<byte[]?, byte[]?>(), "a", "b");
        var ex = Assert.Throws<TopologyException>(() => topology.AddStateStore(Stores.InMemoryKeyValueStore("s", Serdes.String, Serdes.String), "p"));
        Assert.Contains("must read one topic", ex.Message);
    }

    [Fact]
    public void Processors_sharing_a_store_belong_to_one_subtopology()
    {
        var topology = new Topology()
            .AddSource("a", "t1")
            .AddProcessor("p1", () => new Pass<byte[]?, byte[]?>(), "a")
            .AddSource("b", "t2")
            .AddProcessor("p2", () => new Pass<byte[]?, byte[]?>(), "b")
            .AddStateStore(Stores.InMemoryKeyValueStore("s", Serdes.String, Serdes.String), "p1");
        Assert.Equal(2, topology.Subtopologies.Count);
        Assert.Throws<TopologyException>(() => topology.ConnectProcessorAndStateStores("p2", "s"));
    }

    private sealed class Pass<TKey, TValue> : IProcessor<TKey, TValue, TKey, TValue>
    {
        private IProcessorContext<TKey, TValue>? _context;

        public void Init(IProcessorContext<TKey, TValue> context) => _context = context;

        public void Process(Record<TKey, TValue> record) => _context!.Forward(record);

        public void Close() { }
    }
}
