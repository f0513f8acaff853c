using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Elasticsearch;
using StreamAnalytics.Sinks.Internal;

namespace StreamAnalytics.Sinks.File;

/// <summary>
/// Writes the documents the Elasticsearch sink would write to two append-only NDJSON files in a directory: the
/// embedded default and the air-gapped option (see <see cref="FileSinkFormat"/> for the layouts).
/// </summary>
/// <remarks>
/// Documents go into an in-memory buffer per file; when it reaches <c>file.buffer.bytes</c> it is written to the
/// file, and <see cref="Flush"/> writes it and flushes the file to disk (fsync), so offsets are only committed for
/// documents on disk. Bulk action lines name the indices the Elasticsearch sink writes (<see cref="IndexNames"/>
/// with the <c>elasticsearch.index.*</c> prefixes), so a file loaded with <c>_bulk</c> lands where the live sink's
/// documents do. Thread-safe (one lock). Files are opened for append: a restart continues them,
/// and at-least-once may repeat documents (same <c>_id</c>, so loading them into Elasticsearch overwrites).
/// </remarks>
public sealed class FileSink : ISink, IDisposable
{
    /// <summary>Bulk-format features file name.</summary>
    public const string FeaturesBulkFile = "features.bulk.ndjson";
    /// <summary>Bulk-format aggregates file name.</summary>
    public const string AggregatesBulkFile = "aggregates.bulk.ndjson";
    /// <summary>Plain features file name.</summary>
    public const string TracesPlainFile = "traces.ndjson";
    /// <summary>Plain aggregates file name.</summary>
    public const string AggregatesPlainFile = "aggregates.ndjson";

    private readonly object _lock = new();
    private readonly Target _features;
    private readonly Target _aggregates;
    private readonly FileSinkFormat _format;
    private readonly string _featuresPrefix;
    private readonly string _aggregatesPrefix;
    private readonly int _bufferBytes;
    private bool _disposed;

    /// <summary>Opens (creating or appending) the two files in <paramref name="directory"/>.</summary>
    /// <param name="directory">Created when missing.</param>
    /// <param name="format">File layout.</param>
    /// <param name="featuresIndexPrefix">Index prefix used in bulk action lines (as <c>elasticsearch.index.features</c>).</param>
    /// <param name="aggregatesIndexPrefix">Index prefix used in bulk action lines (as <c>elasticsearch.index.aggregates</c>).</param>
    /// <param name="bufferBytes"><c>file.buffer.bytes</c>: bytes buffered per file before writing. Default 1 MiB.</param>
    public FileSink(string directory, FileSinkFormat format = FileSinkFormat.Bulk, string featuresIndexPrefix = IndexNames.DefaultFeaturesPrefix,
        string aggregatesIndexPrefix = IndexNames.DefaultAggregatesPrefix, int bufferBytes = FileSinkKeys.DefaultBufferBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (bufferBytes < 1) throw new ArgumentOutOfRangeException(nameof(bufferBytes), bufferBytes, "file.buffer.bytes must be positive");
        Directory.CreateDirectory(directory);
        _format = format;
        _featuresPrefix = featuresIndexPrefix;
        _aggregatesPrefix = aggregatesIndexPrefix;
        _bufferBytes = bufferBytes;
        _features = new Target(Path.Combine(directory, format == FileSinkFormat.Bulk ? FeaturesBulkFile : TracesPlainFile));
        _aggregates = new Target(Path.Combine(directory, format == FileSinkFormat.Bulk ? AggregatesBulkFile : AggregatesPlainFile));
    }

    /// <summary>Path of the features file.</summary>
    public string FeaturesPath => _features.Path;

    /// <summary>Path of the aggregates file.</summary>
    public string AggregatesPath => _aggregates.Path;

    /// <inheritdoc/>
    public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) =>
        Append(_features, SinkDocument.ForFeatures(document, _featuresPrefix));

    /// <summary>Buffers the document of <paramref name="features"/> (every feature, default caps): for callers outside a topology.</summary>
    public void Add(TraceFeatures features, CancellationToken cancellationToken = default) =>
        Add(FeaturesDocument.Create(features), cancellationToken);

    /// <inheritdoc/>
    public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) =>
        Append(_aggregates, SinkDocument.ForAggregate(aggregate, _aggregatesPrefix));

    /// <summary>Writes buffered documents and flushes both files to disk.</summary>
    public void Flush(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _features.Drain(flushToDisk: true);
            _aggregates.Drain(flushToDisk: true);
        }
    }

    private void Append(Target target, SinkDocument doc)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_format == FileSinkFormat.Bulk)
            {
                BulkRequestWriter.WriteTo(target.Buffer, doc);
            }
            else
            {
                target.Buffer.Write(doc.Source.Span);
                target.Buffer.Write("\n"u8);
            }
            if (target.Buffer.WrittenCount >= _bufferBytes) target.Drain(flushToDisk: false);
        }
    }

    /// <summary>Flushes and closes both files.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _features.Dispose();
            _aggregates.Dispose();
        }
    }

    private sealed class Target(string path) : IDisposable
    {
        private readonly FileStream _stream = new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);

        public string Path { get; } = path;

        public PooledBufferWriter Buffer { get; } = new(64 * 1024);

        public void Drain(bool flushToDisk)
        {
            if (Buffer.WrittenCount > 0)
            {
                _stream.Write(Buffer.WrittenSpan);
                Buffer.Reset();
            }
            if (flushToDisk) _stream.Flush(flushToDisk: true);
        }

        public void Dispose()
        {
            Drain(flushToDisk: true);
            _stream.Dispose();
            Buffer.Dispose();
        }
    }
}
