using System.Text.Json;
using StreamAnalytics.Sinks.File;

namespace StreamAnalytics.Sinks.Tests.File;

public sealed class FileSinkTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sa-filesink-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Bulk_files_hold_an_action_line_and_a_document_line_per_document_after_flush()
    {
        using var sink = new FileSink(_dir);
        var features = TestDocuments.Features(7, revision: 1);
        var aggregates = TestDocuments.Aggregates();
        sink.Add(features);
        foreach (var a in aggregates) sink.Add(a);
        sink.Flush(CancellationToken.None);

        // Read while the sink is still open: Flush, not Dispose, is what makes the data durable.
        string[] featureLines = ReadLines(Path.Combine(_dir, FileSink.FeaturesBulkFile));
        Assert.Equal(2, featureLines.Length);
        var action = JsonDocument.Parse(featureLines[0]).RootElement.GetProperty("index");
        Assert.Equal(features.TraceId, action.GetProperty("_id").GetString());
        Assert.Equal(2, action.GetProperty("version").GetInt64());
        Assert.Equal(features.TraceId, JsonDocument.Parse(featureLines[1]).RootElement.GetProperty("traceId").GetString());

        string[] aggregateLines = ReadLines(Path.Combine(_dir, FileSink.AggregatesBulkFile));
        Assert.Equal(aggregates.Count * 2, aggregateLines.Length);
        Assert.Equal(aggregates[0].Id, JsonDocument.Parse(aggregateLines[0]).RootElement.GetProperty("index").GetProperty("_id").GetString());
    }

    [Fact]
    public void Plain_files_hold_one_document_per_line()
    {
        using (var sink = new FileSink(_dir, FileSinkFormat.Plain))
        {
            sink.Add(TestDocuments.Features(1));
            sink.Add(TestDocuments.Features(2));
            foreach (var a in TestDocuments.Aggregates()) sink.Add(a);
        }

        string[] traces = ReadLines(Path.Combine(_dir, FileSink.TracesPlainFile));
        Assert.Equal(2, traces.Length);
        Assert.All(traces, l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("traceId", out _)));
        Assert.All(ReadLines(Path.Combine(_dir, FileSink.AggregatesPlainFile)), l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("kind", out _)));
    }

    [Fact]
    public void A_reopened_sink_appends_instead_of_truncating()
    {
        using (var sink = new FileSink(_dir, FileSinkFormat.Plain)) sink.Add(TestDocuments.Features(1));
        using (var sink = new FileSink(_dir, FileSinkFormat.Plain)) sink.Add(TestDocuments.Features(2));
        Assert.Equal(2, ReadLines(Path.Combine(_dir, FileSink.TracesPlainFile)).Length);
    }

    [Fact]
    public void Documents_beyond_the_buffer_size_reach_the_file_before_flush()
    {
        using var sink = new FileSink(_dir, FileSinkFormat.Plain, bufferBytes: 1);
        sink.Add(TestDocuments.Features(1));
        Assert.Single(ReadLines(Path.Combine(_dir, FileSink.TracesPlainFile)));
    }

    [Fact]
    public void The_same_features_give_the_same_line_whatever_order_their_dictionaries_were_filled_in()
    {
        var a = TestDocuments.Features(1);
        var b = TestDocuments.Features(1);
        b.SpanCounts = new Dictionary<string, int>(b.SpanCounts.Reverse(), StringComparer.Ordinal);
        b.ServicePaths = new Dictionary<string, int>(StringComparer.Ordinal) { ["z>y"] = 1, ["frontend>checkout"] = 1 };
        a.ServicePaths = new Dictionary<string, int>(StringComparer.Ordinal) { ["frontend>checkout"] = 1, ["z>y"] = 1 };
        using (var sink = new FileSink(_dir, FileSinkFormat.Plain))
        {
            sink.Add(a);
            sink.Add(b);
        }
        string[] lines = ReadLines(Path.Combine(_dir, FileSink.TracesPlainFile));
        Assert.Equal(lines[0], lines[1]);
        Assert.Contains("\"spanCounts\":{\"checkout::POST /pay\":1,\"checkout::query\":1,\"frontend::GET /checkout\":1}", lines[0]);
    }

    private static string[] ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
