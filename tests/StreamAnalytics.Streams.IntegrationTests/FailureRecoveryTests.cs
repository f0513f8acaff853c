using Confluent.Kafka;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

public class FailureRecoveryTests(ITestOutputHelper testOutput)
{
    [Fact]
    public async Task A_failed_delivery_fails_the_commit_and_rewinds_the_tasks_so_nothing_is_lost()
    {
        using var kafka = new KafkaFixture();
        if (kafka.Embedded is null) return; // fault injection needs the embedded cluster
        string input = kafka.CreateTopic("fail-in", 2);
        string output = kafka.CreateTopic("fail-out", 2);
        var records = Enumerable.Range(0, 60).Select(i => ($"key-{i % 6}", $"v{i}")).ToList();
        Produce(kafka, input, records);
        var logs = new TestLoggerFactory();
        try
        {
            var config = Config(kafka, "fail-" + Guid.NewGuid().ToString("N")[..8]);
            config["producer.retries"] = "0";
            await using var streams = Build(kafka, CountingTopology(input, output), config, b => b.SetLoggerFactory(logs));
            // The first produce requests of the runtime fail permanently: their outputs and changelog records are lost.
            kafka.Embedded.PushRequestErrors(0, ErrorCode.TopicAuthorizationFailed, ErrorCode.TopicAuthorizationFailed);
            streams.Start();

            await WaitUntil(() => streams.GetStatus().CommitFailures > 0, TimeSpan.FromSeconds(20), "a failed commit");
            await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == records.Count, TimeSpan.FromSeconds(20),
                "every input offset committed after the rewind");
            // At-least-once: the rewind re-processes from the last commit, but the changelog may already hold some of the
            // uncommitted updates (they were delivered while others failed), so counts can overshoot; they never fall short.
            var counts = Counts(ReadAll(kafka, output, r => Counts(r).GroupBy(c => c.Key).Count(g => g.Max(c => c.Count) >= 10) >= 6, TimeSpan.FromSeconds(20)));
            foreach (var group in counts.GroupBy(c => c.Key))
                Assert.True(group.Max(g => g.Count) >= 10, $"{group.Key} reached only {group.Max(g => g.Count)}");
            Assert.Equal(6, counts.Select(c => c.Key).Distinct().Count());
            Assert.Equal(KafkaStreamsState.Running, streams.State);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task A_failed_delivery_rewinds_only_the_task_that_lost_it_and_never_re_restores_an_untouched_one()
    {
        using var kafka = new KafkaFixture();
        if (kafka.Embedded is null) return; // fault injection needs the embedded cluster
        string input = kafka.CreateTopic("revive-in", 2);
        string output = kafka.CreateTopic("revive-out", 2);
        var logs = new TestLoggerFactory();
        try
        {
            var config = Config(kafka, "revive-" + Guid.NewGuid().ToString("N")[..8]);
            config["producer.retries"] = "0";
            await using var streams = Build(kafka, CountingTopology(input, output), config, b => b.SetLoggerFactory(logs));
            // Partition 1's task builds state first and commits it; from then on only partition 0 gets input.
            ProduceTo(kafka, input, 1, 20);
            streams.Start();
            await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == 20, TimeSpan.FromSeconds(30), "partition 1 committed");
            int RestoresOf(int partition) => streams.GetStatus().Restores.Count(r => r.Store == "counts" && r.Partition == partition);
            Assert.Equal(1, RestoresOf(1));

            kafka.Embedded.PushRequestErrors(0, ErrorCode.TopicAuthorizationFailed, ErrorCode.TopicAuthorizationFailed);
            ProduceTo(kafka, input, 0, 20);
            await WaitUntil(() => streams.GetStatus().CommitFailures > 0, TimeSpan.FromSeconds(20), "a failed commit");
            await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == 40, TimeSpan.FromSeconds(30),
                "every input offset committed after the rewind");

            // Partition 0's task lost outputs and was restored again; partition 1's had changed nothing since its commit.
            Assert.True(RestoresOf(0) >= 2, $"partition 0 restored {RestoresOf(0)} times");
            Assert.Equal(1, RestoresOf(1));
            Assert.Equal(KafkaStreamsState.Running, streams.State);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    /// <summary><paramref name="count"/> records of key "p{partition}" straight to one partition.</summary>
    private static void ProduceTo(KafkaFixture kafka, string topic, int partition, int count)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        for (int i = 0; i < count; i++)
            producer.Produce(new TopicPartition(topic, partition), new Message<string, string> { Key = "p" + partition, Value = "v" + i });
        producer.Flush(TimeSpan.FromSeconds(10));
    }
}
