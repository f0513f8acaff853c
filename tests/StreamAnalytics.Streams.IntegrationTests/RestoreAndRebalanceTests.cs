using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

public class RestoreAndRebalanceTests(ITestOutputHelper testOutput)
{
    [Fact]
    public async Task A_restarted_instance_restores_its_store_from_the_changelog_and_keeps_counting()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("restore-in", 2);
        string output = kafka.CreateTopic("restore-out", 2);
        string appId = "restore-" + Guid.NewGuid().ToString("N")[..8];
        var first = Enumerable.Range(0, 100).Select(i => ($"key-{i % 10}", $"a{i}")).ToList();
        var second = Enumerable.Range(0, 100).Select(i => ($"key-{i % 10}", $"b{i}")).ToList();
        var logs = new TestLoggerFactory();
        try
        {
            Produce(kafka, input, first);
            await using (var streams = Build(kafka, CountingTopology(input, output), Config(kafka, appId), b => b.SetLoggerFactory(logs)))
            {
                streams.Start();
                ReadAll(kafka, output, r => r.Count >= first.Count, TimeSpan.FromSeconds(30));
                Assert.True(await streams.CloseAsync(TimeSpan.FromSeconds(20)));
            }

            Produce(kafka, input, second);
            await using (var streams = Build(kafka, CountingTopology(input, output), Config(kafka, appId), b => b.SetLoggerFactory(logs)))
            {
                streams.Start();
                var counts = Counts(ReadAll(kafka, output, r => r.Count >= first.Count + second.Count, TimeSpan.FromSeconds(30)));
                // Every key was seen 10 times before the restart and 10 after: the store came back, so counting goes on to 20.
                foreach (var group in counts.GroupBy(c => c.Key))
                    Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), group.Select(g => g.Count).Order());
                var status = streams.GetStatus();
                Assert.Contains(status.Restores, r => r.Store == "counts" && r.State == ChangelogState.Completed && r.RestoredRecords > 0);
                Assert.Equal(first.Count, status.Restores.Sum(r => r.RestoredRecords));
                Assert.Equal(second.Count, status.RecordsProcessed);
                await streams.CloseAsync(TimeSpan.FromSeconds(20));
            }
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task Two_instances_share_the_partitions_and_a_cooperative_rebalance_when_one_closes_loses_nothing()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("share-in", 4);
        string output = kafka.CreateTopic("share-out", 4);
        string appId = "share-" + Guid.NewGuid().ToString("N")[..8];
        var logs = new TestLoggerFactory();
        const int keys = 16;
        try
        {
            await using var a = Build(kafka, CountingTopology(input, output), Config(kafka, appId), b => b.SetLoggerFactory(logs));
            await using var b = Build(kafka, CountingTopology(input, output), Config(kafka, appId), b => b.SetLoggerFactory(logs));
            a.Start();
            b.Start();
            await WaitUntil(() => a.State == KafkaStreamsState.Running && b.State == KafkaStreamsState.Running
                && a.GetStatus().AssignedPartitions.Count + b.GetStatus().AssignedPartitions.Count == 4
                && a.GetStatus().AssignedPartitions.Count > 0 && b.GetStatus().AssignedPartitions.Count > 0,
                TimeSpan.FromSeconds(20), "both instances running with a share of the partitions");

            Produce(kafka, input, Enumerable.Range(0, 160).Select(i => ($"key-{i % keys}", $"a{i}")));
            ReadAll(kafka, output, r => r.Count >= 160, TimeSpan.FromSeconds(30));

            // b leaves: its tasks commit and close, a takes them over and restores their stores.
            Assert.True(await b.CloseAsync(TimeSpan.FromSeconds(20)));
            Produce(kafka, input, Enumerable.Range(0, 160).Select(i => ($"key-{i % keys}", $"b{i}")));
            await WaitUntil(() => a.GetStatus().AssignedPartitions.Count == 4, TimeSpan.FromSeconds(20), "a owning all partitions");

            var counts = Counts(ReadAll(kafka, output, r => r.Count >= 320, TimeSpan.FromSeconds(30)));
            foreach (var group in counts.GroupBy(c => c.Key))
            {
                // Nothing lost (every count 1..20 appears) and the state moved with the partitions (it reaches 20).
                Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), group.Select(g => g.Count).Distinct().Order());
            }
            Assert.Equal(keys, counts.Select(c => c.Key).Distinct().Count());
            // Clean hand-over: b committed before revoking, so nothing was processed twice.
            Assert.Equal(320, counts.Count);
            Assert.Equal(KafkaStreamsState.Running, a.State);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }
}
