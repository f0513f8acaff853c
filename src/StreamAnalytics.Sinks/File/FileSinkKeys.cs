using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Sinks.File;

/// <summary>The <c>file.*</c> keys of <see cref="FileSink"/>, for the job registry and docs/CONFIGURATION.md.</summary>
public static class FileSinkKeys
{
    public const string DirKey = "file.dir";
    public const string FormatKey = "file.format";

    /// <summary>Config names of <see cref="FileSinkFormat"/>, in enum order.</summary>
    public static readonly IReadOnlyList<string> FormatNames = ["bulk", "plain"];

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        ConfigKey.Text(DirKey, "", "Directory for NDJSON output; empty disables the file sink."),
        ConfigKey.OneOf(FormatKey, FormatNames[(int)FileSinkFormat.Bulk], FormatNames, "bulk: Elasticsearch _bulk NDJSON (action + document lines); plain: one document per line."),
    ];
}
