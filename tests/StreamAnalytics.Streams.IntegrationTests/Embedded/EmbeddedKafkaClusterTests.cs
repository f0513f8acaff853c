using Confluent.Kafka;

namespace StreamAnalytics.Streams.IntegrationTests.Embedded;

public class EmbeddedKafkaClusterTests
{
    [Fact]
    public void Records_produced_to_a_topic_are_consumed_back_in_order_per_partition()
    {
        using var kafka = new KafkaFixture(brokers: 3);
        string topic = kafka.CreateTopic("roundtrip", partitions: 4);

        var sent = new List<(string Key, string Value)>();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
               {
                   BootstrapServers = kafka.BootstrapServers,
                   EnableIdempotence = true,
                   LingerMs = 5,
               }).Build())
        {
            for (int i = 0; i < 200; i++)
            {
                var kv = ($"trace-{i % 17}", $"span-{i}");
                producer.Produce(topic, new Message<string, string> { Key = kv.Item1, Value = kv.Item2 });
                sent.Add(kv);
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "roundtrip-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var received = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (received.Count < sent.Count && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is not null && !r.IsPartitionEOF) received.Add(r);
        }
        consumer.Close();

        Assert.Equal(sent.Count, received.Count);
        // Same key, same partition; within a key, production order is kept.
        foreach (var group in received.GroupBy(r => r.Message.Key))
        {
            Assert.Single(group.Select(r => r.Partition.Value).Distinct());
            var expected = sent.Where(s => s.Key == group.Key).Select(s => s.Value);
            Assert.Equal(expected, group.OrderBy(r => r.Offset.Value).Select(r => r.Message.Value));
        }
        Assert.True(received.Select(r => r.Partition.Value).Distinct().Count() > 1, "keys should spread over partitions");
    }

    [Fact]
    public async Task A_broker_that_is_down_refuses_produce_until_it_is_up_again()
    {
        using var kafka = new KafkaFixture(brokers: 1);
        if (kafka.Embedded is null) return; // fault injection needs the embedded cluster
        string topic = kafka.CreateTopic("outage", partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            MessageTimeoutMs = 1500,
            SocketTimeoutMs = 1000,
            ReconnectBackoffMaxMs = 200,
        }).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "warm-up" });

        kafka.Embedded.SetBrokerDown(1);
        var ex = await Assert.ThrowsAnyAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "during outage" }));
        Assert.NotEqual(ErrorCode.NoError, ex.Error.Code);

        kafka.Embedded.SetBrokerUp(1);
        // The client reconnects with back-off; a bounded number of attempts must succeed.
        DeliveryResult<Null, string>? ok = null;
        for (int attempt = 0; attempt < 20 && ok is null; attempt++)
        {
            try { ok = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "after outage" }); }
            catch (ProduceException<Null, string>) { }
        }
        Assert.NotNull(ok);
        Assert.Equal(PersistenceStatus.Persisted, ok.Status);
    }
}
