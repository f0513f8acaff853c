using System.Text;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Elasticsearch;
using StreamAnalytics.Sinks.File;
using StreamAnalytics.Sinks.Tests.Elasticsearch;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Sinks.Tests.Documents;

/// <summary>Issue 20.2: a completed trace is serialized once; the topic, Elasticsearch and the files get the same bytes.</summary>
public sealed class SerializeOnceTests : IAsyncLifetime, IDisposable
{
    private FakeElasticsearchServer _es = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("serialize-once-").FullName;

    public async Task InitializeAsync() => _es = await FakeElasticsearchServer.StartAsync();

    public async Task DisposeAsync() => await _es.DisposeAsync();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_topic_value_the_bulk_source_and_both_file_lines_are_the_same_bytes()
    {
        TraceFeatures features = DocumentSchemaTests.Rich();
        var recorder = new Recorder();
        await using var es = new ElasticsearchSink(new ElasticsearchSinkConfig { Urls = [_es.Url], FlushIntervalMs = 3_600_000 }, new ListLogger(), _ => { });
        await es.StartAsync();
        using var bulkFile = new FileSink(Path.Combine(_dir, "bulk"), FileSinkFormat.Bulk);
        using var plainFile = new FileSink(Path.Combine(_dir, "plain"), FileSinkFormat.Plain);
        var processor = new FeaturesSinkProcessor([recorder, es, bulkFile, plainFile], metrics: null,
            caps: new DocumentCaps(new FeatureConfig { MaxDocumentEntries = 10 }), forward: true);
        var context = new ForwardedRecords();
        processor.Init(context);

        processor.Process(new Record<TraceId, CompletedTrace>(default, new CompletedTrace(TestDocuments.TraceOf(features), features), 0));
        processor.Flush(CancellationToken.None);

        // One document, handed to every sink and forwarded to the topic sink.
        FeaturesDocument doc = Assert.Single(recorder.Documents);
        Assert.Same(doc, Assert.Single(context.Forwarded).Value);
        Assert.NotNull(doc.Written.Omitted); // capped: the case where a second serialization could have differed
        Assert.Same(features, doc.Features);

        string topic = Encoding.UTF8.GetString(TopicSerializers.FeaturesDocument.Serialize(doc, default));
        string bulkBody = Assert.Single(_es.BulkRequests).Lines[1];
        string bulkLine = System.IO.File.ReadAllLines(bulkFile.FeaturesPath)[1];
        string plainLine = Assert.Single(System.IO.File.ReadAllLines(plainFile.FeaturesPath));
        Assert.Equal(topic, bulkBody);
        Assert.Equal(topic, bulkLine);
        Assert.Equal(topic, plainLine);
        Assert.Contains("\"omitted\":{", topic, StringComparison.Ordinal);
        Assert.StartsWith("{\"@timestamp\":", topic, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregation_reads_the_whole_features_while_the_document_is_capped()
    {
        TraceFeatures features = DocumentSchemaTests.Rich();
        int spanCounts = features.SpanCounts.Count;
        FeaturesDocument doc = FeaturesDocument.Create(features, caps: new DocumentCaps(new FeatureConfig { MaxDocumentEntries = 10 }));
        Assert.Equal(spanCounts, features.SpanCounts.Count); // the extracted features are not changed
        Assert.Equal(10, doc.Written.SpanCounts.Count);
        Assert.Equal(spanCounts - 10, doc.Written.Omitted!.SpanCounts);
    }

    [Fact]
    public void Nothing_is_serialized_when_no_sink_and_no_topic_takes_documents()
    {
        TraceFeatures features = TestDocuments.Features(9);
        var processor = new FeaturesSinkProcessor([], metrics: null, forward: false);
        var context = new ForwardedRecords();
        processor.Init(context);
        processor.Process(new Record<TraceId, CompletedTrace>(default, new CompletedTrace(TestDocuments.TraceOf(features), features), 0));
        Assert.Empty(context.Forwarded);
    }

    [Fact]
    public void A_sink_that_reads_only_the_features_costs_no_serialization()
    {
        TraceFeatures features = TestDocuments.Features(10);
        var recorder = new Recorder();
        var processor = new FeaturesSinkProcessor([recorder], metrics: null, forward: false);
        processor.Init(new ForwardedRecords());
        processor.Process(new Record<TraceId, CompletedTrace>(default, new CompletedTrace(TestDocuments.TraceOf(features), features), 0));

        FeaturesDocument doc = Assert.Single(recorder.Documents);
        Assert.Same(features, doc.Features);
        Assert.False(doc.IsSerialized);
        ReadOnlyMemory<byte> first = doc.Utf8;
        Assert.True(doc.IsSerialized);
        Assert.True(first.Span == doc.Utf8.Span, "the same array on every read"); // reference-equal spans: one serialization
    }

    private sealed class Recorder : ISink
    {
        public List<FeaturesDocument> Documents { get; } = [];
        public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) => Documents.Add(document);
        public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) { }
        public void Flush(CancellationToken cancellationToken) { }
    }

    private sealed class ForwardedRecords : IProcessorContext<TraceId, FeaturesDocument>
    {
        public List<Record<TraceId, FeaturesDocument>> Forwarded { get; } = [];
        public string ApplicationId => "test";
        public TaskId TaskId => default;
        public RecordMetadata? RecordMetadata => null;
        public long CurrentStreamTimeMs => 0;
        public long CurrentSystemTimeMs => 0;
        public void Forward(Record<TraceId, FeaturesDocument> record) => Forwarded.Add(record);
        public void Forward(Record<TraceId, FeaturesDocument> record, string childName) => Forwarded.Add(record);
        public ICancellable Schedule(TimeSpan interval, PunctuationType type, IPunctuator punctuator) => throw new NotSupportedException();
        public TStore GetStateStore<TStore>(string name) where TStore : class, IStateStore => throw new NotSupportedException();
        public void RequestCommit() { }
    }
}
