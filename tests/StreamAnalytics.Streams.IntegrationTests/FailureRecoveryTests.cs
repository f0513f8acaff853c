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
}
