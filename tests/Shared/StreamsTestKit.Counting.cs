using Confluent.Kafka;
using StreamAnalytics.Streams;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Testing.State;

namespace StreamAnalytics.TestSupport;

/// <summary>
/// The counting topology of the runtime's tests, with or without a broker: linked into the unit tests (with
/// TopologyTestDriver) and the integration tests (the rest of <see cref="StreamsTestKit"/>).
/// </summary>
internal static partial class StreamsTestKit
{
    /// <summary>source "in" (string, string) → "count" (per-key count in store "counts") → sink "out" (string, long).</summary>
    public static Topology CountingTopology(string input, string output) =>
        new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, input)
            .AddProcessor("count", () => new CountProcessor(), "in")
            .AddStateStore(Stores.InMemoryKeyValueStore("counts", Serdes.String, Serdes.Int64), "count")
            .AddSink("out", output, Serializers.Utf8, Serializers.Int64, "count");

    public sealed class CountProcessor : IProcessor<string, string, string, long>
    {
        private IProcessorContext<string, long>? _context;
        private IKeyValueStore<string, long>? _store;

        public void Init(IProcessorContext<string, long> context)
        {
            _context = context;
            _store = context.GetStateStore<IKeyValueStore<string, long>>("counts");
        }

        public void Process(Record<string, string> record)
        {
            _store!.TryGet(record.Key, out long count);
            count++;
            _store.Put(record.Key, count);
            _context!.Forward(new Record<string, long>(record.Key, count, record.TimestampMs));
        }

        public void Close() { }
    }
}
