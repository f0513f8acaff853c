using static StreamAnalytics.Streams.Tests.Integration.StreamsTestKit;

namespace StreamAnalytics.Streams.Tests.Integration;

public class CountingTopologyTests(Xunit.Abstractions.ITestOutputHelper testOutput)
{
    [Fact]
    public async Task A_stateful_count_on_two_stream_threads_over_a_multi_partition_topic_emits_every_count_once()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("count-in", 4);
        string output = kafka.CreateTopic("count-out", 4);
        var records = Enumerable.Range(0, 400).Select(i => ($"key-{i % 20}", $"v{i}")).ToList();
        Produce(kafka, input, records);

        var logs = new TestLoggerFactory();
        var config = Config(kafka, "count-" + Guid.NewGuid().ToString("N")[..8]);
        config.NumStreamThreads = 2; // two consumers in the group, each with its own producer and tasks
        await using var streams = Build(kafka, CountingTopology(input, output), config, b => b.SetLoggerFactory(logs));
        streams.Start();
        try
        {

        var read = ReadAll(kafka, output, r => r.Count >= records.Count, TimeSpan.FromSeconds(30));
        var counts = Counts(read);
        foreach (var group in counts.GroupBy(c => c.Key))
        {
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), group.Select(g => g.Count).Order());
        }
        Assert.Equal(20, counts.Select(c => c.Key).Distinct().Count());

        await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == records.Count, TimeSpan.FromSeconds(15), "offsets committed");
        Assert.Equal(KafkaStreamsState.Running, streams.State);
        Assert.True(await streams.CloseAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(KafkaStreamsState.NotRunning, streams.State);
        Assert.Equal(records.Count, streams.GetStatus().RecordsProcessed);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }
}
