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
    public async Task A_failed_delivery_rewinds_only_the_task_that_lost_it_and_never_re_restores_the_others()
    {
        // Two brokers: everything lives on broker 1 except, later, task 0_0's changelog partition, whose broker then goes down.
        using var kafka = new KafkaFixture(brokers: 2);
        if (kafka.Embedded is null) return; // fault injection needs the embedded cluster
        string input = kafka.CreateTopic("revive-in", 2);
        string output = kafka.CreateTopic("revive-out", 2);
        for (int p = 0; p < 2; p++)
        {
            kafka.Embedded.SetPartitionLeader(input, p, 1);
            kafka.Embedded.SetPartitionLeader(output, p, 1);
        }
        var logs = new TestLoggerFactory();
        try
        {
            string appId = "revive-" + Guid.NewGuid().ToString("N")[..8];
            kafka.Embedded.SetCoordinator("group", appId, 1);
            var config = Config(kafka, appId);
            config["producer.retries"] = "0";
            // Deliveries to a leaderless partition fail after this, well inside commit.timeout.ms, so the commit sees them.
            config["producer.message.timeout.ms"] = "1500";
            await using var streams = Build(kafka, CountingTopology(input, output), config, b => b.SetLoggerFactory(logs));
            streams.Start();
            ProduceTo(kafka, input, 0, 10);
            ProduceTo(kafka, input, 1, 10);
            long CommittedOf(int partition) => streams.GetStatus().AssignedPartitions.Where(p => p.Partition == partition).Sum(p => p.CommittedOffset);
            int RestoresOf(int partition) => streams.GetStatus().Restores.Count(r => r.Store == "counts" && r.Partition == partition);
            await WaitUntil(() => CommittedOf(0) == 10 && CommittedOf(1) == 10, TimeSpan.FromSeconds(30), "both partitions committed");
            Assert.Equal(1, RestoresOf(0));
            Assert.Equal(1, RestoresOf(1));

            // Both tasks process again, but only task 0_0's changelog partition loses its deliveries.
            kafka.Embedded.SetPartitionLeader(appId + "-counts-changelog", 1, 1);
            kafka.Embedded.SetPartitionLeader(appId + "-counts-changelog", 0, 2);
            kafka.Embedded.SetBrokerDown(2);
            ProduceTo(kafka, input, 0, 10);
            ProduceTo(kafka, input, 1, 10);
            await WaitUntil(() => streams.GetStatus().CommitFailures > 0, TimeSpan.FromSeconds(20), "a failed commit");
            kafka.Embedded.SetBrokerUp(2);
            await WaitUntil(() => CommittedOf(0) == 20 && CommittedOf(1) == 20, TimeSpan.FromSeconds(30), "both partitions committed after the rewind");

            Assert.True(RestoresOf(0) >= 2, $"partition 0 restored {RestoresOf(0)} times");
            Assert.Equal(1, RestoresOf(1));
            // Nothing lost: each key's count reached 20.
            var counts = Counts(ReadAll(kafka, output, r => Counts(r).Count(c => c.Count >= 20) >= 2, TimeSpan.FromSeconds(20)));
            Assert.Equal(20, counts.Where(c => c.Key == "p0").Max(c => c.Count));
            Assert.Equal(20, counts.Where(c => c.Key == "p1").Max(c => c.Count));
            Assert.Equal(KafkaStreamsState.Running, streams.State);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task A_changelog_whose_end_offset_stays_unreadable_fails_the_restore_after_task_timeout_ms()
    {
        // The store's changelog lives on broker 2, down from the start, so the new task's restore can never read the
        // changelog's end offset (transient errors only). Without a bound the thread would retry for ever and the
        // instance stay Rebalancing, never ready and never failed.
        using var kafka = new KafkaFixture(brokers: 2);
        if (kafka.Embedded is null) return; // fault injection needs the embedded cluster
        var (input, output, appId, changelog) = ChangelogOnBrokerTwo(kafka, "stuck");
        kafka.Embedded.SetBrokerDown(2);
        var logs = new TestLoggerFactory();
        try
        {
            var config = Config(kafka, appId);
            config[StreamsConfig.TaskTimeoutMsKey] = "3000";
            config[StreamsConfig.CommitTimeoutMsKey] = "1000"; // one end-offset query waits at most this long
            await using var streams = Build(kafka, CountingTopology(input, output), config, b => b.SetLoggerFactory(logs));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            streams.Start();

            await WaitUntil(() => streams.State == KafkaStreamsState.Error, TimeSpan.FromSeconds(60), "the instance failed");
            Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(3), $"failed after {watch.Elapsed}, before task.timeout.ms");
            Assert.Contains(logs.Lines, l => l.Contains("cannot read the end offset of changelog", StringComparison.Ordinal));
            Assert.Contains(logs.Lines, l => l.Contains("task.timeout.ms is 3000", StringComparison.Ordinal) && l.Contains(changelog, StringComparison.Ordinal));
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [Fact]
    public async Task A_restore_that_meets_a_broker_restart_waits_for_it_and_completes()
    {
        // The changelog's broker is down when the task is assigned and back 4 s later, well inside task.timeout.ms: the
        // restore waits (the thread keeps polling) and then runs. Before, the first query's "broker handle destroyed"
        // failed the thread at once.
        using var kafka = new KafkaFixture(brokers: 2);
        if (kafka.Embedded is null) return; // fault injection needs the embedded cluster
        var (input, output, appId, _) = ChangelogOnBrokerTwo(kafka, "restart");
        kafka.Embedded.SetBrokerDown(2);
        var logs = new TestLoggerFactory();
        try
        {
            var config = Config(kafka, appId);
            config[StreamsConfig.CommitTimeoutMsKey] = "1000";
            await using var streams = Build(kafka, CountingTopology(input, output), config, b => b.SetLoggerFactory(logs));
            streams.Start();
            await WaitUntil(() => logs.Lines.Any(l => l.Contains("cannot read the end offset of changelog", StringComparison.Ordinal)), TimeSpan.FromSeconds(30),
                "the restore meeting the down broker");
            await Task.Delay(TimeSpan.FromSeconds(4));
            Assert.NotEqual(KafkaStreamsState.Error, streams.State);
            kafka.Embedded.SetBrokerUp(2);

            await WaitUntil(() => streams.State == KafkaStreamsState.Running, TimeSpan.FromSeconds(30), "running after the restore");
            var counts = Counts(ReadAll(kafka, output, r => Counts(r).Any(c => c.Count >= 5), TimeSpan.FromSeconds(20)));
            Assert.Equal(5, counts.Where(c => c.Key == "p0").Max(c => c.Count));
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    /// <summary>
    /// One input partition with 5 records of key p0, its output and the group on broker 1, and the counting store's
    /// changelog (created ahead of the runtime, which keeps an existing topic) led by broker 2.
    /// </summary>
    private static (string Input, string Output, string AppId, string Changelog) ChangelogOnBrokerTwo(KafkaFixture kafka, string prefix)
    {
        var cluster = kafka.Embedded!;
        string input = kafka.CreateTopic(prefix + "-in", 1);
        string output = kafka.CreateTopic(prefix + "-out", 1);
        string appId = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        string changelog = appId + "-counts-changelog";
        cluster.CreateTopic(changelog, 1);
        cluster.SetPartitionLeader(input, 0, 1);
        cluster.SetPartitionLeader(output, 0, 1);
        cluster.SetPartitionLeader(changelog, 0, 2);
        cluster.SetCoordinator("group", appId, 1);
        ProduceTo(kafka, input, 0, 5);
        return (input, output, appId, changelog);
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
