using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Sinks.File;

/// <summary>The <c>file.*</c> keys of <see cref="FileSink"/>, for the job registry and docs/CONFIGURATION.md.</summary>
public static class FileSinkKeys
{
    public const string DirKey = "file.dir";
    public const string FormatKey = "file.format";
    public const string BufferBytesKey = "file.buffer.bytes";

    /// <summary>Default, smallest and largest <c>file.buffer.bytes</c>.</summary>
    public const int DefaultBufferBytes = 1024 * 1024, MinBufferBytes = 4096, MaxBufferBytes = 256 * 1024 * 1024;

    /// <summary>Config names of <see cref="FileSinkFormat"/>, in enum order.</summary>
    public static readonly IReadOnlyList<string> FormatNames = ["bulk", "plain"];

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        ConfigKey.Text(DirKey, "", "Directory for NDJSON output; empty disables the file sink."),
        ConfigKey.OneOf(FormatKey, FormatNames[(int)FileSinkFormat.Bulk], FormatNames, "bulk: Elasticsearch _bulk NDJSON (action + document lines, indices named as elasticsearch.index.* names them); plain: one document per line."),
        ConfigKey.Integer(BufferBytesKey, DefaultBufferBytes, MinBufferBytes, MaxBufferBytes, "Bytes buffered in memory per file before they are written; every commit writes and fsyncs the buffer whatever its size, so this bounds the sink's memory (two buffers) and the write size."),
    ];
}
