using Confluent.Kafka;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Files;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.Testing.Embedded;
using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Cli.IntegrationTests.Commands;

public class GenerateCommandTests
{
    [Fact]
    public async Task The_same_seed_writes_the_same_file_and_replay_reads_every_span()
    {
        string dir = Directory.CreateTempSubdirectory("generate-").FullName;
        string a = Path.Combine(dir, "a.bin"), b = Path.Combine(dir, "b.bin");
        var (code, stdout, stderr) = await CliProcess.RunAsync(["generate", "--format", "zipkin_proto", "--spans", "3000", "--seed", "11", "--out", a], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await CliProcess.RunAsync(["generate", "--format", "zipkin_proto", "--spans", "3000", "--seed", "11", "--out", b], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);
        // Span times start at the wall clock, so compare the decoded structure rather than bytes.
        Assert.Equal(Fingerprint(a), Fingerprint(b));

        long spans = long.Parse(System.Text.RegularExpressions.Regex.Match(stdout, @"(\d+) spans").Groups[1].Value);
        Assert.True(spans >= 3000);
        (code, stdout, stderr) = await CliProcess.RunAsync(["replay", "-i", a, "-f", "zipkin_proto", "-o", Path.Combine(dir, "out")], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);
        Assert.Contains($"{spans} spans read", stdout);
        Assert.Contains(" 0 decode errors", stdout);
    }

    [Fact]
    public async Task An_unreachable_broker_gives_one_line_and_exit_1_within_the_connect_timeout()
    {
        // A port nothing listens on: bind one, note it, close it.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (code, stdout, stderr) = await CliProcess.RunAsync(
            ["generate", "--bootstrap", $"127.0.0.1:{port}", "--duration", "20s", "--connect-timeout", "2s"], TimeSpan.FromSeconds(30));
        Assert.Equal(1, code);
        Assert.DoesNotContain("%3|", stderr + stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"no Kafka broker at 127.0.0.1:{port} answered within 2s", line);
        Assert.Contains("Connection refused", line);
    }

    [Theory]
    [InlineData("15x")]
    [InlineData("-5s")]
    [InlineData("0")]
    [InlineData("1:xx")]
    public async Task A_nonsense_duration_exits_2_with_a_message(string duration)
    {
        var (code, _, stderr) = await CliProcess.RunAsync(["generate", "--out", "/dev/null", "--duration", duration], TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.Contains("--duration", stderr);
        Assert.Contains("see `streamanalytics generate --help`", stderr);
    }

    private static List<string> Fingerprint(string path)
    {
        var strings = new StringTable();
        var decoder = SpanDecoders.Create(SpanFormat.ZipkinProto, strings);
        var batch = new SpanBatch();
        foreach (var m in SpanFileReader.ReadMessages(path, SpanFormat.ZipkinProto))
            Assert.True(decoder.TryDecode(m.Span, batch, out var error), error?.ToString());
        var result = new List<string>();
        foreach (var s in batch.Spans) result.Add($"{s.TraceId}/{s.SpanId}/{s.ParentSpanId}/{strings[s.Service]}/{strings[s.Operation]}/{s.DurationNanos}/{s.Kind}/{s.IsError}");
        return result;
    }

    [Fact]
    public async Task Jaeger_spans_are_produced_one_per_record_keyed_by_hex_trace_id()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("jaeger-spans", 4);
        var (code, stdout, stderr) = await CliProcess.RunAsync(
            ["generate", "--bootstrap", cluster.BootstrapServers, "--topic", "jaeger-spans", "--format", "jaeger_proto", "--spans", "500", "--rate", "0"],
            TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr + stdout);

        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "check",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset("jaeger-spans", p, Offset.Beginning)));
        var decoder = SpanDecoders.Create(SpanFormat.JaegerProto, new StringTable());
        var partitionsByTrace = new Dictionary<string, HashSet<int>>();
        int eof = 0, records = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (eof < 4 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null) continue;
            if (r.IsPartitionEOF) { eof++; continue; }
            records++;
            var batch = new SpanBatch();
            Assert.True(decoder.TryDecode(r.Message.Value, batch, out var error), error?.ToString());
            Assert.Equal(1, batch.Count);
            Assert.Equal(batch.Spans[0].TraceId.ToString(), r.Message.Key);
            (partitionsByTrace.TryGetValue(r.Message.Key, out var set) ? set : partitionsByTrace[r.Message.Key] = new()).Add(r.Partition.Value);
        }
        Assert.True(records >= 500);
        Assert.All(partitionsByTrace.Values, set => Assert.Single(set));
    }
}
