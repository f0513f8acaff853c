using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>
/// A stream thread whose sub-topology reads one topic asks Confluent.Kafka not to marshal each record's topic name and
/// sets it itself (ClientConfigs.MainConsumer). These tests hold what a processor sees to what was produced: topic,
/// partition, offset, timestamp and headers, with one source topic and with two.
/// </summary>
public class RecordFieldsTests(ITestOutputHelper testOutput)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Processors_see_each_records_topic_offset_timestamp_and_headers_and_sinks_forward_the_headers(int sourceTopics)
    {
        using var kafka = new KafkaFixture();
        var inputs = Enumerable.Range(0, sourceTopics).Select(i => kafka.CreateTopic($"fields-in{i}", 2)).ToArray();
        string output = kafka.CreateTopic("fields-out", 1);
        string appId = "fields-" + Guid.NewGuid().ToString("N")[..8];
        var seen = new ConcurrentQueue<(string Topic, int Partition, long Offset, string Key, long Timestamp, string? Header)>();
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Utf8, inputs)
            .AddProcessor("look", () => new Recorder(seen), "in")
            .AddSink("out", output, Serializers.Utf8, Serializers.Utf8, "look");
        var produced = new List<(string Topic, int Partition, string Key, long Timestamp)>();
        for (int i = 0; i < 6; i++)
        {
            string topic = inputs[i % sourceTopics];
            int partition = i % 2;
            long ts = 1_700_000_000_000 + i * 1000;
            produced.Add((topic, partition, $"k{i}", ts));
            ProduceTo(kafka, new TopicPartition(topic, partition), $"k{i}", ts, $"h{i}");
        }

        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = Build(kafka, topology, Config(kafka, appId), b => b.SetLoggerFactory(logs));
            streams.Start();
            var outputs = ReadAll(kafka, output, r => r.Count >= produced.Count, TimeSpan.FromSeconds(30));

            Assert.Equal(produced.Count, seen.Count);
            foreach (var p in produced)
            {
                var s = Assert.Single(seen, s => s.Key == p.Key);
                Assert.Equal(p.Topic, s.Topic);
                Assert.Equal(p.Partition, s.Partition);
                Assert.Equal(p.Timestamp, s.Timestamp);
                Assert.Equal("h" + p.Key[1..], s.Header);
            }
            // Offsets per input partition count from 0 in produce order.
            foreach (var group in seen.GroupBy(s => (s.Topic, s.Partition)))
                Assert.Equal(Enumerable.Range(0, group.Count()).Select(o => (long)o), group.Select(s => s.Offset).Order());

            Assert.Equal(produced.Count, outputs.Count);
            foreach (var r in outputs)
            {
                string key = Encoding.UTF8.GetString(r.Message.Key);
                Assert.True(r.Message.Headers.TryGetLastBytes("origin", out var h));
                Assert.Equal("h" + key[1..], Encoding.UTF8.GetString(h));
                Assert.Equal(produced.Single(p => p.Key == key).Timestamp, r.Message.Timestamp.UnixTimestampMs);
            }
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    private static void ProduceTo(KafkaFixture kafka, TopicPartition tp, string key, long timestampMs, string header)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        producer.Produce(tp, new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(key),
            Value = Encoding.UTF8.GetBytes("v"),
            Timestamp = new Timestamp(timestampMs, TimestampType.CreateTime),
            Headers = new Headers { { "origin", Encoding.UTF8.GetBytes(header) } },
        });
        if (producer.Flush(TimeSpan.FromSeconds(30)) != 0) throw new InvalidOperationException("test producer did not flush");
    }

    private sealed class Recorder(ConcurrentQueue<(string, int, long, string, long, string?)> seen) : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context) => _context = context;

        public void Process(Record<string, string> record)
        {
            var meta = _context!.RecordMetadata!;
            string? header = null;
            foreach (var h in record.Headers ?? [])
                if (h.Key == "origin") header = Encoding.UTF8.GetString(h.Value);
            seen.Enqueue((meta.Topic, meta.Partition, meta.Offset, record.Key, record.TimestampMs, header));
            _context.Forward(record);
        }

        public void Close() { }
    }
}
