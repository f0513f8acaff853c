using System.Text.Json;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Sinks.File;

namespace StreamAnalytics.Cli.Tests.Configuration;

/// <summary>Issue 19.7: <c>file.buffer.bytes</c> is a real key, and the file's bulk action lines name the live sink's indices.</summary>
public sealed class FileSinkSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("file-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TraceJobSettings Settings(params string[] sets) =>
        TraceJobSettings.From(JobConfiguration.Load(null, ["kafka.bootstrap.servers=k:9092", .. sets], new Dictionary<string, string?>()));

    private static TraceFeatures Trace(int n) => new()
    {
        TraceId = n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture),
        StartTimeUs = 1_767_225_600_000_000, // 2026-01-01
        SpanCount = 1,
        RootService = "frontend",
        RootOperation = "GET /" + new string('x', 200),
    };

    [Fact]
    public void Bulk_action_lines_use_the_elasticsearch_index_prefixes_without_an_elasticsearch_sink()
    {
        var settings = Settings("file.dir=" + _dir, "elasticsearch.index.features=shop-traces", "elasticsearch.index.aggregates=shop-aggs");
        Assert.Null(settings.Elasticsearch);
        string path;
        using (FileSink sink = TraceJobHost.CreateFileSink(settings, _dir))
        {
            sink.Add(Trace(1));
            sink.Flush(CancellationToken.None);
            path = sink.FeaturesPath;
        }
        using var action = JsonDocument.Parse(File.ReadAllLines(path)[0]);
        Assert.Equal("shop-traces-2026.01.01", action.RootElement.GetProperty("index").GetProperty("_index").GetString());
    }

    [Fact]
    public void Bulk_action_lines_match_the_elasticsearch_sink_when_there_is_one()
    {
        var settings = Settings("file.dir=" + _dir, "elasticsearch.urls=http://127.0.0.1:9200", "elasticsearch.index.features=shop-traces");
        Assert.Equal("shop-traces", settings.Elasticsearch!.FeaturesIndexPrefix);
        Assert.Equal(settings.Elasticsearch.FeaturesIndexPrefix, settings.FeaturesIndexPrefix);
        Assert.Equal(settings.Elasticsearch.AggregatesIndexPrefix, settings.AggregatesIndexPrefix);
    }

    [Fact]
    public void An_invalid_index_prefix_is_refused_naming_the_key_without_an_elasticsearch_sink()
    {
        var e = Assert.Throws<ConfigurationException>(() => Settings("file.dir=" + _dir, "elasticsearch.index.features=Shop*"));
        Assert.Contains("elasticsearch.index.features", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_buffer_bytes_is_a_key_that_decides_when_the_buffer_is_written()
    {
        Assert.Equal(FileSinkKeys.DefaultBufferBytes, Settings().FileBufferBytes);
        var settings = Settings("file.dir=" + _dir, "file.format=plain", "file.buffer.bytes=4096");
        Assert.Equal(4096, settings.FileBufferBytes);
        using FileSink sink = TraceJobHost.CreateFileSink(settings, _dir);
        int added = 0;
        while (new FileInfo(sink.FeaturesPath).Length == 0 && added < 100) sink.Add(Trace(++added));
        // Written without a flush once 4 KiB were buffered (a document is about 700 bytes): under the 1 MiB default
        // nothing would be written before the commit's flush.
        Assert.InRange(added, 2, 10);
    }

    [Fact]
    public void File_buffer_bytes_out_of_range_is_refused_naming_the_key()
    {
        var e = Assert.ThrowsAny<Exception>(() => Settings("file.buffer.bytes=10"));
        Assert.Contains("file.buffer.bytes", e.Message, StringComparison.Ordinal);
    }
}
