using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Cli.Pipeline;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Streams.Testing.Embedded;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Cli.IntegrationTests.Job;

/// <summary>
/// Issue 19.1: a trace inside the default <c>assembly.max.spans.per.trace</c> (10,000) gave a features document over
/// Kafka's 1 MB <c>message.max.bytes</c>. The documents are capped (<c>features.document.max.*</c>, an
/// <c>omitted</c> object), so both shapes that did it arrive on the features topic and the job goes on.
/// </summary>
public class HugeTraceTests
{
    /// <summary>librdkafka's default <c>message.max.bytes</c>, which the job's producer keeps.</summary>
    private const int MessageMaxBytes = 1_000_000;

    private const int Spans = 10_000;
    private static readonly long T0Nanos = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

    /// <summary>A root with 9,999 children, each with its own operation name.</summary>
    private static List<LogicalSpan> FanOut(string traceId)
    {
        var spans = new List<LogicalSpan>(Spans) { Span(traceId, 0, null, "frontend", "GET /fan", 0, Spans * 10) };
        for (int i = 1; i < Spans; i++) spans.Add(Span(traceId, i, 0, "backend", "operation-with-a-distinct-name-" + i.ToString("D5", CultureInfo.InvariantCulture), i, 5));
        return spans;
    }

    /// <summary>A chain 10,000 deep: each span the only child of the previous one, three services taking turns.</summary>
    private static List<LogicalSpan> Chain(string traceId)
    {
        string[] services = ["alpha", "beta", "gamma"];
        var spans = new List<LogicalSpan>(Spans);
        for (int i = 0; i < Spans; i++)
            spans.Add(Span(traceId, i, i == 0 ? null : i - 1, services[i % 3], "step-" + i.ToString("D5", CultureInfo.InvariantCulture), i, (Spans - i) * 10));
        return spans;
    }

    private static List<LogicalSpan> Small(string traceId) =>
    [
        Span(traceId, 0, null, "frontend", "GET /small", 0, 100),
        Span(traceId, 1, 0, "cart", "GetCart", 10, 50),
        Span(traceId, 2, 1, "db", "SELECT", 20, 10),
    ];

    private static LogicalSpan Span(string traceId, int index, int? parent, string service, string operation, long startUs, long durationUs) => new()
    {
        TraceId = traceId,
        SpanId = (index + 1).ToString("x16", CultureInfo.InvariantCulture),
        ParentSpanId = parent is int p ? (p + 1).ToString("x16", CultureInfo.InvariantCulture) : null,
        Service = service,
        Operation = operation,
        Kind = Formats.Model.SpanKind.Server,
        StartUnixNanos = T0Nanos + startUs * 1000,
        DurationNanos = durationUs * 1000,
    };

    [Fact]
    public void Uncapped_the_two_huge_traces_give_documents_over_message_max_bytes()
    {
        // The premise of the job test below: without the caps (set as high as they go) both documents are too large.
        var uncapped = new FeatureConfig { MaxDocumentEntries = FeatureConfig.MaxDocumentEntriesLimit, MaxCriticalPathSections = FeatureConfig.MaxDocumentEntriesLimit };
        foreach (var (capped, config) in new[] { (true, FeatureConfig.Default), (false, uncapped) })
        {
            var sink = new Collecting();
            using (var run = new OfflineRun(SpanFormat.OtlpProto, AssemblyConfig.Default, config, AggregateConfig.Default, [sink], _ => { }, new StringTable()))
            {
                foreach (var trace in new[] { FanOut($"{1:x32}"), Chain($"{2:x32}") })
                    foreach (byte[] m in SpanEncoders.Encode(SpanFormat.OtlpProto, trace, 500)) run.Process(m);
                run.Complete();
            }
            Assert.Equal(2, sink.Documents.Count);
            foreach (FeaturesDocument d in sink.Documents)
            {
                Assert.Equal(Spans, d.Features.SpanCount);
                if (capped) Assert.InRange(d.Utf8.Length, 1, MessageMaxBytes / 2);
                else Assert.True(d.Utf8.Length > MessageMaxBytes, $"{d.Id}: {d.Utf8.Length} B uncapped");
                Assert.Equal(capped, d.Written.Omitted is not null);
            }
        }
    }

    [Fact]
    public async Task A_10000_span_fan_out_and_a_10000_deep_chain_reach_the_features_topic_capped_and_the_job_goes_on()
    {
        using var cluster = EmbeddedKafkaCluster.Start(defaultPartitions: 2);
        cluster.CreateTopic("spans", 2);
        cluster.CreateTopic("hugetest-trace-features", 2); // so the reader can subscribe before the job's first record
        string dir = Directory.CreateTempSubdirectory("job-huge-").FullName;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["application.id"] = "hugetest",
            ["kafka.bootstrap.servers"] = "placeholder:9092", // replaced by the embedded cluster's
            ["source.topics"] = "spans",
            ["source.format"] = "otlp_proto",
            ["file.dir"] = dir,
            ["metrics.bind"] = "127.0.0.1:0",
            ["commit.interval.ms"] = "200",
            ["assembly.gap.ms"] = "5000",
            ["assembly.root.grace.ms"] = "60000",
        }));
        string fanOut = $"{0xf1:x32}", chain = $"{0xc2:x32}", small = $"{0x53:x32}";
        await using var host = new TraceJobHost(settings, NullLoggerFactory.Instance, clock);
        await host.StartAsync(CancellationToken.None, cluster);
        using var reader = new TopicReader(cluster.BootstrapServers, "hugetest-trace-features");

        // The wall clock moves (completing traces by the gap) only once every span is in an assembler.
        int messages = Produce(cluster.BootstrapServers, [.. FanOut(fanOut), .. Chain(chain)]);
        await WaitUntilIdleAsync(host, 2L * messages);
        await reader.WaitForAsync(2, clock, TimeSpan.FromSeconds(120));
        messages += Produce(cluster.BootstrapServers, Small(small));
        await WaitUntilIdleAsync(host, 2L * messages);
        var all = await reader.WaitForAsync(3, clock, TimeSpan.FromSeconds(60));

        Assert.Equal(3, all.Count);
        Assert.Equal(new[] { fanOut, chain }.Order(StringComparer.Ordinal), all.Take(2).Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Equal(small, all[2].Key);
        foreach (var (key, value) in all.Take(2))
        {
            Assert.InRange(value.Length, 1, MessageMaxBytes - 1);
            using var doc = JsonDocument.Parse(value);
            JsonElement root = doc.RootElement;
            Assert.Equal(key, root.GetProperty("traceId").GetString());
            Assert.Equal(Spans, root.GetProperty("spanCount").GetInt32());
            JsonElement omitted = root.GetProperty("omitted");
            // Both traces have 10,000 operations (one per span), 1,000 kept; every count is 1, so ties go by name.
            int cap = FeatureConfig.Default.MaxDocumentEntries;
            Assert.Equal(cap, root.GetProperty("spanCounts").EnumerateObject().Count());
            Assert.Equal(Spans - cap, omitted.GetProperty("spanCounts").GetInt32());
            Assert.Equal(Spans - cap, omitted.GetProperty("selfTimeByOperation").GetInt32());
            if (key == fanOut)
            {
                Assert.True(root.GetProperty("spanCounts").TryGetProperty("backend::operation-with-a-distinct-name-00001", out _));
                Assert.False(root.GetProperty("spanCounts").TryGetProperty("backend::operation-with-a-distinct-name-09999", out _));
            }
            if (key == chain)
            {
                // Each of the 10,000 nested spans gives at least one section: 1,000 kept, the rest counted.
                int sections = FeatureConfig.Default.MaxCriticalPathSections;
                Assert.Equal(sections, root.GetProperty("criticalPath").GetArrayLength());
                Assert.True(omitted.GetProperty("criticalPath").GetInt32() >= Spans - sections, omitted.ToString());
            }
        }
        using (var smallDoc = JsonDocument.Parse(all[2].Value))
        {
            Assert.False(smallDoc.RootElement.TryGetProperty("omitted", out _));
            Assert.Equal(3, smallDoc.RootElement.GetProperty("spanCount").GetInt32());
        }
        Assert.Equal(0, host.Streams!.GetStatus().RecordsDeadLettered);
        Assert.Equal(Streams.KafkaStreamsState.Running, host.Streams.State);

        using var http = new HttpClient();
        string metrics = await http.GetStringAsync(new Uri(host.MetricsServer!.BaseAddress, "metrics"));
        Assert.Contains("trace_analytics_features_document_entries_omitted_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("trace_analytics_features_documents_capped_total", metrics, StringComparison.Ordinal);
        await host.StopAsync();
    }

    /// <summary>Produces <paramref name="spans"/> in OTLP messages of 500 spans over both partitions; returns the message count.</summary>
    private static int Produce(string bootstrap, IReadOnlyList<LogicalSpan> spans)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        int i = 0;
        foreach (byte[] value in SpanEncoders.Encode(SpanFormat.OtlpProto, spans, 500))
            producer.Produce(new TopicPartition("spans", i++ % 2), new Message<Null, byte[]> { Value = value });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        return i;
    }

    /// <summary>
    /// Waits (bounded) until the job processed at least <paramref name="minimumProcessed"/> records (each message once
    /// by decoding, and at least once more as repartition records by assembly), with no lag, and nothing new for a while.
    /// </summary>
    private static async Task WaitUntilIdleAsync(TraceJobHost host, long minimumProcessed)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long last = -1;
        int quiet = 0;
        while (DateTime.UtcNow < deadline && quiet < 3)
        {
            await Task.Delay(300);
            var status = host.Streams!.GetStatus();
            bool drained = status.RecordsProcessed >= minimumProcessed && status.AssignedPartitions.Count > 0
                && status.AssignedPartitions.All(p => p.Lag is 0 or null);
            quiet = drained && status.RecordsProcessed == last ? quiet + 1 : 0;
            last = status.RecordsProcessed;
        }
    }

    /// <summary>Reads the features topic from the start of every partition, without a group.</summary>
    private sealed class TopicReader : IDisposable
    {
        private readonly IConsumer<byte[], byte[]> _consumer;
        private readonly List<(string Key, byte[] Value)> _records = [];

        public TopicReader(string bootstrap, string topic)
        {
            _consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrap, GroupId = "huge-reader", EnableAutoCommit = false, FetchMaxBytes = 4 * MessageMaxBytes,
                TopicMetadataRefreshIntervalMs = 500,
            }).Build();
            _consumer.Subscribe(topic);
        }

        public async Task<List<(string Key, byte[] Value)>> WaitForAsync(int count, FakeTimeProvider clock, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (_records.Count < count && DateTime.UtcNow < deadline)
            {
                var r = _consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (r is not null && !r.IsPartitionEOF)
                {
                    _records.Add((System.Text.Encoding.ASCII.GetString(r.Message.Key), r.Message.Value));
                    continue;
                }
                clock.Advance(TimeSpan.FromSeconds(1)); // wall-clock punctuation completes idle traces
                await Task.Delay(50);
            }
            Assert.True(_records.Count >= count, $"{_records.Count} of {count} feature records within {timeout}");
            return [.. _records];
        }

        public void Dispose()
        {
            _consumer.Close();
            _consumer.Dispose();
        }
    }

    private sealed class Collecting : ISink
    {
        public List<FeaturesDocument> Documents { get; } = [];
        public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) => Documents.Add(document);
        public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) { }
        public void Flush(CancellationToken cancellationToken) { }
    }
}
