using StreamAnalytics.Streams.Api;
using Confluent.Kafka;
using StreamAnalytics.Streams.State;
using StreamAnalytics.Streams.Testing.State;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>
/// Several instances of one application split every sub-topology's tasks evenly (issue 22): with one consumer group
/// over all topics, cooperative-sticky balanced partition counts only, and could give one instance every source
/// partition and another every repartition partition (the stateful work).
/// </summary>
public class ScaleOutTests(ITestOutputHelper testOutput)
{
    private const int Partitions = 6;
    private const int Keys = 600;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Every_instance_owns_its_share_of_each_subtopologys_tasks_and_of_the_stateful_work(int instances)
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("scale-in", Partitions);
        string output = kafka.CreateTopic("scale-out", Partitions);
        string appId = "scale-" + Guid.NewGuid().ToString("N")[..8];
        var logs = new TestLoggerFactory();
        var counted = new long[instances];
        var all = new List<IKafkaStreams>();
        try
        {
            for (int i = 0; i < instances; i++)
            {
                int slot = i;
                all.Add(Build(kafka, RekeyAndCount(input, output, () => Interlocked.Increment(ref counted[slot])), Config(kafka, appId), b => b.SetLoggerFactory(logs)));
            }
            foreach (var s in all) s.Start();
            await WaitUntil(() => all.All(s => s.State == KafkaStreamsState.Running) && Balanced(all, 0) && Balanced(all, 1),
                TimeSpan.FromSeconds(60), "every instance running with its share of both sub-topologies");
            for (int i = 0; i < instances; i++)
            {
                testOutput.WriteLine($"instance {i}: sub-topology 0 tasks {Tasks(all[i], 0)}, sub-topology 1 tasks {Tasks(all[i], 1)}");
            }

            const int records = 6000;
            Produce(kafka, input, Enumerable.Range(0, records).Select(i => ($"k{i % Keys}", $"v{i}")));
            var counts = Counts(ReadAll(kafka, output, r => r.Count >= records, TimeSpan.FromSeconds(90)));
            Assert.Equal(records, counts.Count);
            // Nothing lost or split: every key counted 1..10 exactly once, on one instance.
            foreach (var group in counts.GroupBy(c => c.Key)) Assert.Equal(Enumerable.Range(1, records / Keys).Select(n => (long)n), group.Select(g => g.Count).Order());

            for (int i = 0; i < instances; i++) testOutput.WriteLine($"instance {i}: counted {counted[i]} records ({100.0 * counted[i] / records:F1}%)");
            Assert.Equal(records, counted.Sum());
            // The stateful step is spread as the tasks are: no instance does more than 1.5 times another's share (60/40 for two).
            Assert.True(counted.Max() <= 1.5 * counted.Min(), $"stateful work per instance: {string.Join(", ", counted)}");
            // The assignment the test saw is still the one at the end (no instance lost its tasks under load).
            Assert.True(Balanced(all, 0) && Balanced(all, 1), "balanced after the load");
        }
        finally
        {
            foreach (var s in all) await s.DisposeAsync();
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task When_an_instance_leaves_its_stateful_tasks_move_restored_to_the_others_and_spread_evenly()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("scale-leave-in", Partitions);
        string output = kafka.CreateTopic("scale-leave-out", Partitions);
        string appId = "scale-leave-" + Guid.NewGuid().ToString("N")[..8];
        var logs = new TestLoggerFactory();
        var all = new List<IKafkaStreams>();
        try
        {
            for (int i = 0; i < 3; i++) all.Add(Build(kafka, RekeyAndCount(input, output, () => { }), Config(kafka, appId), b => b.SetLoggerFactory(logs)));
            foreach (var s in all) s.Start();
            await WaitUntil(() => all.All(s => s.State == KafkaStreamsState.Running) && Balanced(all, 0) && Balanced(all, 1),
                TimeSpan.FromSeconds(60), "three instances balanced");
            Produce(kafka, input, Enumerable.Range(0, 1200).Select(i => ($"k{i % Keys}", $"a{i}")));
            ReadAll(kafka, output, r => r.Count >= 1200, TimeSpan.FromSeconds(60));

            var leaving = all[2];
            Assert.True(await leaving.CloseAsync(TimeSpan.FromSeconds(20)));
            all.RemoveAt(2);
            await leaving.DisposeAsync();
            await WaitUntil(() => all.All(s => s.State == KafkaStreamsState.Running) && Balanced(all, 0) && Balanced(all, 1),
                TimeSpan.FromSeconds(60), "the two remaining instances balanced");
            for (int i = 0; i < 2; i++) testOutput.WriteLine($"after the leave, instance {i}: sub-topology 1 tasks {Tasks(all[i], 1)}");

            Produce(kafka, input, Enumerable.Range(0, 1200).Select(i => ($"k{i % Keys}", $"b{i}")));
            var counts = Counts(ReadAll(kafka, output, r => r.Count >= 2400, TimeSpan.FromSeconds(60)));
            // The counts went on from the restored stores (every key reaches 4), nothing lost, nothing counted twice.
            Assert.Equal(2400, counts.Count);
            foreach (var group in counts.GroupBy(c => c.Key)) Assert.Equal(Enumerable.Range(1, 4).Select(n => (long)n), group.Select(g => g.Count).Order());
            Assert.True(all.Sum(s => s.GetStatus().RestoredRecords) > 0, "the stores of the moved tasks were restored from their changelogs");
        }
        finally
        {
            foreach (var s in all) await s.DisposeAsync();
            logs.Dump(testOutput);
        }
    }

    /// <summary>Sub-topology 0: source, rekey (stateless), repartition; sub-topology 1: count per key (store), sink.</summary>
    private static Topology RekeyAndCount(string input, string output, Action onCounted) =>
        new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, input)
            .AddProcessor("rekey", () => new Rekey(), "in")
            .AddRepartition("by-key", Serdes.String, Serdes.String, ["rekey"], Partitions)
            .AddProcessor("count", () => new CountingWithTally(onCounted), "by-key")
            .AddStateStore(Stores.InMemoryKeyValueStore("counts", Serdes.String, Serdes.Int64), "count")
            .AddSink("out", output, Serializers.Utf8, Serializers.Int64, "count");

    private static int Tasks(IKafkaStreams streams, int subtopology) =>
        streams.GetStatus().AssignedPartitions.Where(p => p.TaskId.Subtopology == subtopology).Select(p => p.TaskId).Distinct().Count();

    /// <summary>All tasks of the sub-topology owned, and the counts per instance within one of each other.</summary>
    private static bool Balanced(IReadOnlyList<IKafkaStreams> all, int subtopology)
    {
        var counts = all.Select(s => Tasks(s, subtopology)).ToList();
        return counts.Sum() == Partitions && counts.Max() - counts.Min() <= 1;
    }

    /// <summary>Moves the input to a new key so the count runs after a repartition, in the second sub-topology.</summary>
    private sealed class Rekey : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context) => _context = context;

        public void Process(Record<string, string> record) =>
            _context!.Forward(new Record<string, string>("re-" + record.Key, record.Value, record.TimestampMs));

        public void Close() { }
    }

    private sealed class CountingWithTally(Action onCounted) : IProcessor<string, string, string, long>
    {
        private readonly CountProcessor _inner = new();

        public void Init(IProcessorContext<string, long> context) => _inner.Init(context);

        public void Process(Record<string, string> record)
        {
            _inner.Process(record);
            onCounted();
        }

        public void Close() => _inner.Close();
    }
}
