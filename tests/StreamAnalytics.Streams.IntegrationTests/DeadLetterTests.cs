using System.Text;
using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

public class DeadLetterTests(ITestOutputHelper testOutput)
{
    [Fact]
    public async Task Undecodable_records_go_to_the_dead_letter_topic_with_their_coordinates_and_processing_continues()
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("dlq-in", 1);
        string output = kafka.CreateTopic("dlq-out", 1);
        string appId = "dlq-" + Guid.NewGuid().ToString("N")[..8];
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Int32, input)
            .AddProcessor("check", () => new RejectNegative(), "in")
            .AddSink("out", output, Serializers.Utf8, Serializers.Int32, "check");
        ProduceRaw(kafka, input,
        [
            Raw("ok-1", Serializers.Int32.Serialize(1, default)),
            Raw("bad-length", [1, 2, 3]), // not 4 bytes: the Int32 deserializer throws
            Raw("negative", Serializers.Int32.Serialize(-5, default)), // the processor dead-letters it
            Raw("ok-2", Serializers.Int32.Serialize(2, default)),
        ]);
        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = Build(kafka, topology, Config(kafka, appId), b => b.SetLoggerFactory(logs));
            streams.Start();

            var outputs = ReadAll(kafka, output, r => r.Count >= 2, TimeSpan.FromSeconds(30));
            Assert.Equal(["ok-1", "ok-2"], outputs.Select(r => Encoding.UTF8.GetString(r.Message.Key)));

            var dead = ReadAll(kafka, appId + DeadLetterHeaders.TopicSuffix, r => r.Count >= 2, TimeSpan.FromSeconds(30));
            Assert.Equal(2, dead.Count);
            var undecodable = dead.Single(r => Encoding.UTF8.GetString(r.Message.Key) == "bad-length");
            Assert.Equal(input, Header(undecodable, DeadLetterHeaders.SourceTopic));
            Assert.Equal("0", Header(undecodable, DeadLetterHeaders.SourcePartition));
            Assert.Equal("1", Header(undecodable, DeadLetterHeaders.SourceOffset));
            Assert.Equal("deserialization", Header(undecodable, DeadLetterHeaders.ErrorKind));
            Assert.False(string.IsNullOrEmpty(Header(undecodable, DeadLetterHeaders.ErrorReason)));
            Assert.Equal([1, 2, 3], undecodable.Message.Value);

            var rejected = dead.Single(r => Encoding.UTF8.GetString(r.Message.Key) == "negative");
            Assert.Equal("2", Header(rejected, DeadLetterHeaders.SourceOffset));
            Assert.Equal("negative value -5", Header(rejected, DeadLetterHeaders.ErrorReason));
            Assert.Equal("range", Header(rejected, DeadLetterHeaders.ErrorKind));

            await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == 4, TimeSpan.FromSeconds(15), "all four offsets committed");
            Assert.Equal(2, streams.GetStatus().RecordsDeadLettered);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    private static Message<byte[], byte[]> Raw(string key, byte[] value) => new() { Key = Encoding.UTF8.GetBytes(key), Value = value };

    private static string? Header(ConsumeResult<byte[], byte[]> r, string name) =>
        r.Message.Headers.TryGetLastBytes(name, out var v) ? Encoding.UTF8.GetString(v) : null;

    private sealed class RejectNegative : IProcessor<string, int, string, int>
    {
        private IProcessorContext<string, int>? _context;

        public void Init(IProcessorContext<string, int> context) => _context = context;

        public void Process(Record<string, int> record)
        {
            if (record.Value < 0)
            {
                _context!.DeadLetter($"negative value {record.Value}", "range");
                return;
            }
            _context!.Forward(record);
        }

        public void Close() { }
    }
}
