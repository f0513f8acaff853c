using System.Text;
using Confluent.Kafka;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;
using Xunit.Abstractions;
using static StreamAnalytics.TestSupport.StreamsTestKit;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>Issue 19.1: an output larger than the producer's message.max.bytes must not stop the stream thread.</summary>
public class TooLargeOutputTests(ITestOutputHelper testOutput)
{
    [Theory]
    [InlineData(ProcessingGuarantee.AtLeastOnce)]
    [InlineData(ProcessingGuarantee.ExactlyOnceV2)]
    public async Task An_output_over_message_max_bytes_becomes_a_small_dead_letter_and_processing_continues(ProcessingGuarantee guarantee)
    {
        using var kafka = new KafkaFixture();
        string input = kafka.CreateTopic("big-in", 1);
        string output = kafka.CreateTopic("big-out", 1);
        string appId = "big-" + Guid.NewGuid().ToString("N")[..8];
        var topology = new Topology()
            .AddSource("in", Deserializers.Utf8, Deserializers.Int32, input)
            .AddProcessor("inflate", () => new Inflate(), "in")
            .AddSink("out", output, Serializers.Utf8, Serializers.Utf8, "inflate");
        // 10,000 bytes is the producer's limit below: 50,000 is refused at Produce, 100 goes through.
        Produce(kafka, input, [("small-1", 100), ("huge", 50_000), ("small-2", 100)]);
        var config = Config(kafka, appId, guarantee);
        bool committedOnly = guarantee == ProcessingGuarantee.ExactlyOnceV2;
        config["producer.message.max.bytes"] = "10000";
        var logs = new TestLoggerFactory();
        try
        {
            await using var streams = Build(kafka, topology, config, b => b.SetLoggerFactory(logs));
            streams.Start();

            var outputs = ReadAll(kafka, output, r => r.Count >= 2, TimeSpan.FromSeconds(30), committedOnly);
            Assert.Equal(["small-1", "small-2"], outputs.Select(r => Encoding.UTF8.GetString(r.Message.Key)));

            var dead = ReadAll(kafka, appId + DeadLetterHeaders.TopicSuffix, r => r.Count >= 1, TimeSpan.FromSeconds(30), committedOnly);
            var letter = Assert.Single(dead);
            Assert.Equal("huge", Encoding.UTF8.GetString(letter.Message.Key));
            Assert.Null(letter.Message.Value);
            Assert.Equal(output, Header(letter, DeadLetterHeaders.TargetTopic));
            Assert.Equal("record-too-large", Header(letter, DeadLetterHeaders.ErrorKind));
            Assert.Contains("message.max.bytes", Header(letter, DeadLetterHeaders.ErrorReason));
            Assert.Contains("50000", Header(letter, DeadLetterHeaders.ErrorReason));

            await WaitUntil(() => streams.GetStatus().AssignedPartitions.Sum(p => p.CommittedOffset) == 3, TimeSpan.FromSeconds(15), "all three offsets committed");
            Assert.Equal(1, streams.GetStatus().RecordsDeadLettered);
            Assert.Equal(KafkaStreamsState.Running, streams.State);
        }
        finally
        {
            logs.Dump(testOutput);
        }
    }

    private static void Produce(KafkaFixture kafka, string topic, IEnumerable<(string Key, int Size)> records) =>
        ProduceRaw(kafka, topic, records.Select(r => new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(r.Key), Value = Serializers.Int32.Serialize(r.Size, default) }));

    private static string? Header(ConsumeResult<byte[], byte[]> r, string name) =>
        r.Message.Headers.TryGetLastBytes(name, out var v) ? Encoding.UTF8.GetString(v) : null;

    /// <summary>Forwards a string of the requested length: a stand-in for a features document of a huge trace.</summary>
    private sealed class Inflate : IProcessor<string, int, string, string>
    {
        private IProcessorContext<string, string>? _context;

        public void Init(IProcessorContext<string, string> context) => _context = context;

        public void Process(Record<string, int> record) => _context!.Forward(new Record<string, string>(record.Key, new string('x', record.Value), record.TimestampMs));

        public void Close() { }
    }
}
