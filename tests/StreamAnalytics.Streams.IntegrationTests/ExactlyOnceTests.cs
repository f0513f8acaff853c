using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAnalytics.Streams.Internals;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

public class ExactlyOnceTests(ITestOutputHelper testOutput)
{
    [Fact]
    public async Task Exactly_once_v2_commits_outputs_changelog_and_offsets_in_transactions()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("eos-in", 2);
        string output = kafka.CreateTopic("eos-out", 2);
        string appId = "eos-" + Guid.NewGuid().ToString("N")[..8];
        var records = Enumerable.Range(0, 200).Select(i => ($"key-{i % 8}", $"v{i}")).ToList();
        Produce(kafka, input, records);
        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = Build(kafka, CountingTopology(input, output), Config(kafka, appId, ProcessingGuarantee.ExactlyOnceV2),
                b => b.SetLoggerFactory(logs));
            streams.Start();

            var counts = Counts(ReadAll(kafka, output, r => r.Count >= records.Count, TimeSpan.FromSeconds(30), readCommitted: true));
            foreach (var group in counts.GroupBy(c => c.Key))
                Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), group.Select(g => g.Count).Order());

            // The offsets went through SendOffsetsToTransaction and the transaction committed.
            await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == records.Count, TimeSpan.FromSeconds(15),
                "offsets committed by the transaction");
            // The embedded brokers acknowledge TxnOffsetCommit without storing the offsets; real brokers show them to the group.
            if (kafka.IsRealKafka) Assert.Equal(records.Count, Committed(kafka, appId, input, 2).Sum());
            var changelog = ReadAll(kafka, $"{appId}-counts-changelog", r => r.Count >= records.Count, TimeSpan.FromSeconds(15), readCommitted: true);
            Assert.Equal(records.Count, changelog.Count);
            Assert.True(await streams.CloseAsync(TimeSpan.FromSeconds(20)));
            Assert.True(streams.GetStatus().Commits > 0);
            Assert.Equal(0, streams.GetStatus().CommitFailures);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    [RealKafkaFact("read_committed hiding aborted records")]
    public void Records_of_an_aborted_transaction_are_invisible_to_read_committed_consumers()
    {
        using var kafka = new KafkaFixture();
        string topic = kafka.CreateTopic("eos-abort", 1);
        var config = new ProducerConfig { BootstrapServers = kafka.BootstrapServers, TransactionalId = "abort-test-" + Guid.NewGuid().ToString("N") };
        using var collector = new RecordCollector(new ProducerBuilder<byte[], byte[]>(config).Build(), transactional: true, TimeSpan.FromSeconds(30),
            NullLogger.Instance);
        collector.InitTransactions();
        collector.Send(topic, 0, null, Encoding.UTF8.GetBytes("aborted"), 1, null);
        collector.Producer.Flush(TimeSpan.FromSeconds(10));
        collector.AbortTransaction();
        collector.Send(topic, 0, null, Encoding.UTF8.GetBytes("committed"), 2, null);
        using var groupConsumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "g-" + Guid.NewGuid().ToString("N") }).Build();
        collector.CommitTransaction([], groupConsumer.ConsumerGroupMetadata);

        var read = ReadAll(kafka, topic, r => r.Count >= 1, TimeSpan.FromSeconds(10), readCommitted: true);
        // Give an aborted record a chance to show up after the committed one: read again until a quiet period.
        read = ReadAll(kafka, topic, r => r.Count >= 2, TimeSpan.FromSeconds(3), readCommitted: true);
        Assert.Equal(["committed"], read.Select(r => Encoding.UTF8.GetString(r.Message.Value)));
    }

    private static long[] Committed(KafkaFixture kafka, string groupId, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = groupId }).Build();
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return committed.Select(c => Math.Max(0, c.Offset.Value)).ToArray();
    }
}
