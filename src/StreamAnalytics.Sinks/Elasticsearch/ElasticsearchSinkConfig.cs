using System.Globalization;
using System.Text;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Sinks.Elasticsearch;

/// <summary>
/// Settings of <see cref="ElasticsearchSink"/>, read from <c>elasticsearch.*</c> keys. Works against Elasticsearch 8
/// and OpenSearch 2 (only the REST APIs both accept are used).
/// </summary>
/// <remarks>
/// Secrets (<see cref="Password"/>, <see cref="ApiKey"/>) are never logged: <see cref="ToString"/> redacts them, and
/// neither the sink's log messages, its exceptions nor its metrics include them or the Authorization header.
/// </remarks>
public sealed class ElasticsearchSinkConfig
{
    private static readonly ElasticsearchSinkConfig Defaults = new();

    /// <summary>
    /// The <c>elasticsearch.*</c> keys with defaults read from a default instance, bounds and doc text, for the job
    /// registry and docs/CONFIGURATION.md. One exception: a job's <c>elasticsearch.urls</c> defaults to empty, which
    /// switches the sink off, where a sink built in code defaults to localhost.
    /// </summary>
    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        ConfigKey.ListOf("elasticsearch.urls", [], "Elasticsearch/OpenSearch URLs; empty disables the sink."),
        ConfigKey.Text("elasticsearch.username", "", "Basic-auth user."),
        ConfigKey.Text("elasticsearch.password", "", "Basic-auth password.") with { Secret = true },
        ConfigKey.Text("elasticsearch.api.key", "", "API key (sent as 'Authorization: ApiKey ...').") with { Secret = true },
        ConfigKey.Boolean("elasticsearch.tls.verify", Defaults.TlsVerify, "Verify the server's TLS certificate."),
        ConfigKey.Boolean("elasticsearch.templates.enabled", Defaults.TemplatesEnabled, "Put the index templates at start."),
        ConfigKey.Text("elasticsearch.index.features", Defaults.FeaturesIndexPrefix, "Index prefix of per-trace documents (daily indices <prefix>-YYYY.MM.DD)."),
        ConfigKey.Text("elasticsearch.index.aggregates", Defaults.AggregatesIndexPrefix, "Index prefix of aggregate documents (daily indices)."),
        ConfigKey.Integer("elasticsearch.bulk.max.docs", Defaults.BulkMaxDocs, 1, 100_000, "Documents per bulk request."),
        ConfigKey.Integer("elasticsearch.bulk.max.bytes", Defaults.BulkMaxBytes, MinBulkBytes, 1L << 30, "Bytes per bulk request."),
        ConfigKey.Integer("elasticsearch.flush.interval.ms", Defaults.FlushIntervalMs, 1, 600_000, "Longest a document waits in the bulk buffer."),
        ConfigKey.Integer("elasticsearch.max.retries", Defaults.MaxRetries, 0, 1000, "Retries of a failed bulk item before the flush fails (offsets are then not committed)."),
        ConfigKey.Integer("elasticsearch.backoff.base.ms", Defaults.BackoffBaseMs, 1, 600_000, "First retry delay; doubles per retry, with jitter."),
        ConfigKey.Integer("elasticsearch.backoff.max.ms", Defaults.BackoffMaxMs, 1, 600_000, "Largest retry delay."),
        ConfigKey.Integer("elasticsearch.max.buffered.bytes", Defaults.MaxBufferedBytes, MinBulkBytes, long.MaxValue, "Buffer limit; from three quarters of it the stream threads pause their input and keep polling (back-pressure) until it drains to half."),
        ConfigKey.Integer("elasticsearch.max.block.ms", Defaults.MaxBlockMs, 0, 600_000, "Longest Add waits for space in a full buffer (once per full spell) before it takes the document above the bound; the stream runtime pauses input earlier, at three quarters of the buffer."),
        ConfigKey.Integer("elasticsearch.request.timeout.ms", Defaults.RequestTimeoutMs, 100, 600_000, "Timeout of one HTTP request."),
    ];

    /// <summary>Smallest accepted bulk request (and so buffer) size.</summary>
    public const int MinBulkBytes = 1024;

    /// <summary><c>elasticsearch.urls</c>: comma-separated base URLs, used round-robin with failover. Default <c>http://localhost:9200</c>.</summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [new Uri("http://localhost:9200")];

    /// <summary><c>elasticsearch.username</c>: basic auth user; needs <see cref="Password"/>. Default none.</summary>
    public string? Username { get; init; }

    /// <summary><c>elasticsearch.password</c>: basic auth password (secret). Default none.</summary>
    public string? Password { get; init; }

    /// <summary><c>elasticsearch.api.key</c>: the base64 <c>id:api_key</c> sent as <c>Authorization: ApiKey …</c> (secret). Excludes basic auth. Default none.</summary>
    public string? ApiKey { get; init; }

    /// <summary><c>elasticsearch.tls.verify</c>: verify the server certificate. Default true; false only for test clusters with self-signed certificates.</summary>
    public bool TlsVerify { get; init; } = true;

    /// <summary><c>elasticsearch.index.features</c>: prefix of the daily trace-features indices. Default <c>trace-features</c>.</summary>
    public string FeaturesIndexPrefix { get; init; } = "trace-features";

    /// <summary><c>elasticsearch.index.aggregates</c>: prefix of the daily aggregate indices. Default <c>trace-aggregates</c>.</summary>
    public string AggregatesIndexPrefix { get; init; } = "trace-aggregates";

    /// <summary><c>elasticsearch.templates.enabled</c>: put the index templates at start. Default true.</summary>
    public bool TemplatesEnabled { get; init; } = true;

    /// <summary><c>elasticsearch.bulk.max.docs</c>: documents per bulk request. Default 1000.</summary>
    public int BulkMaxDocs { get; init; } = 1000;

    /// <summary><c>elasticsearch.bulk.max.bytes</c>: body size per bulk request (a bigger single document is sent alone). Default 5 MiB.</summary>
    public int BulkMaxBytes { get; init; } = 5 * 1024 * 1024;

    /// <summary><c>elasticsearch.flush.interval.ms</c>: the background sender sends what is buffered at least this often. Default 1000.</summary>
    public int FlushIntervalMs { get; init; } = 1000;

    /// <summary><c>elasticsearch.max.retries</c>: retries of a request or item after 429, 5xx or a connection error. Default 8.</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary><c>elasticsearch.backoff.base.ms</c>: first retry delay; doubles per retry, with jitter. Default 100.</summary>
    public int BackoffBaseMs { get; init; } = 100;

    /// <summary><c>elasticsearch.backoff.max.ms</c>: cap of a retry delay. Default 30000.</summary>
    public int BackoffMaxMs { get; init; } = 30_000;

    /// <summary><c>elasticsearch.max.buffered.bytes</c>: documents held before <see cref="ElasticsearchSink.Add(Documents.SinkDocument, CancellationToken)"/> blocks. Default 64 MiB.</summary>
    public long MaxBufferedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// <c>elasticsearch.max.block.ms</c>: longest <c>Add</c> waits for space in a full buffer, once per full spell, before
    /// it takes the document above <see cref="MaxBufferedBytes"/> (the stream runtime pauses input at three quarters of
    /// the buffer, so only what one record or punctuation emits gets here). Default 1000.
    /// </summary>
    public int MaxBlockMs { get; init; } = 1000;

    /// <summary><c>elasticsearch.request.timeout.ms</c>: timeout of one HTTP request. Default 30000.</summary>
    public int RequestTimeoutMs { get; init; } = 30_000;

    /// <summary>Reads the <c>elasticsearch.*</c> keys (absent keys keep their defaults) and validates.</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the key and never contains a secret.</exception>
    public static ElasticsearchSinkConfig FromProperties(IReadOnlyDictionary<string, string> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var d = new ElasticsearchSinkConfig();
        var config = new ElasticsearchSinkConfig
        {
            Urls = p.TryGetValue("elasticsearch.urls", out var urls) ? ParseUrls(urls) : d.Urls,
            Username = p.GetValueOrDefault("elasticsearch.username"),
            Password = p.GetValueOrDefault("elasticsearch.password"),
            ApiKey = p.GetValueOrDefault("elasticsearch.api.key"),
            TlsVerify = p.TryGetValue("elasticsearch.tls.verify", out var v)
                ? bool.TryParse(v, out bool b) ? b : throw new ArgumentException($"elasticsearch.tls.verify: '{v}' is not true or false")
                : d.TlsVerify,
            TemplatesEnabled = p.TryGetValue("elasticsearch.templates.enabled", out var t)
                ? bool.TryParse(t, out bool tb) ? tb : throw new ArgumentException($"elasticsearch.templates.enabled: '{t}' is not true or false")
                : d.TemplatesEnabled,
            FeaturesIndexPrefix = p.GetValueOrDefault("elasticsearch.index.features", d.FeaturesIndexPrefix),
            AggregatesIndexPrefix = p.GetValueOrDefault("elasticsearch.index.aggregates", d.AggregatesIndexPrefix),
            BulkMaxDocs = Int(p, "elasticsearch.bulk.max.docs", d.BulkMaxDocs),
            BulkMaxBytes = Int(p, "elasticsearch.bulk.max.bytes", d.BulkMaxBytes),
            FlushIntervalMs = Int(p, "elasticsearch.flush.interval.ms", d.FlushIntervalMs),
            MaxRetries = Int(p, "elasticsearch.max.retries", d.MaxRetries),
            BackoffBaseMs = Int(p, "elasticsearch.backoff.base.ms", d.BackoffBaseMs),
            BackoffMaxMs = Int(p, "elasticsearch.backoff.max.ms", d.BackoffMaxMs),
            MaxBufferedBytes = p.TryGetValue("elasticsearch.max.buffered.bytes", out var mb)
                ? long.TryParse(mb, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? l : throw new ArgumentException($"elasticsearch.max.buffered.bytes: '{mb}' is not an integer")
                : d.MaxBufferedBytes,
            RequestTimeoutMs = Int(p, "elasticsearch.request.timeout.ms", d.RequestTimeoutMs),
            MaxBlockMs = Int(p, "elasticsearch.max.block.ms", d.MaxBlockMs),
        };
        config.Validate();
        return config;
    }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">The first invalid setting, by key.</exception>
    public void Validate()
    {
        if (Urls.Count == 0) throw new ArgumentException("elasticsearch.urls must name at least one URL");
        foreach (var url in Urls)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"elasticsearch.urls: '{Redact(url)}' is not an http(s) URL");
            if (!string.IsNullOrEmpty(url.UserInfo))
                throw new ArgumentException("elasticsearch.urls must not contain credentials; use elasticsearch.username/elasticsearch.password or elasticsearch.api.key");
        }
        if (Username is not null != Password is not null)
            throw new ArgumentException("elasticsearch.username and elasticsearch.password must be set together");
        if (ApiKey is not null && Username is not null)
            throw new ArgumentException("set either elasticsearch.api.key or elasticsearch.username/password, not both");
        if (ApiKey is { Length: 0 }) throw new ArgumentException("elasticsearch.api.key must not be empty");
        CheckPrefix(FeaturesIndexPrefix, "elasticsearch.index.features");
        CheckPrefix(AggregatesIndexPrefix, "elasticsearch.index.aggregates");
        if (BulkMaxDocs < 1) throw new ArgumentException($"elasticsearch.bulk.max.docs must be at least 1 (got {BulkMaxDocs})");
        if (BulkMaxBytes < MinBulkBytes) throw new ArgumentException($"elasticsearch.bulk.max.bytes must be at least {MinBulkBytes} (got {BulkMaxBytes})");
        if (FlushIntervalMs < 1) throw new ArgumentException($"elasticsearch.flush.interval.ms must be positive (got {FlushIntervalMs})");
        if (MaxRetries < 0) throw new ArgumentException($"elasticsearch.max.retries must not be negative (got {MaxRetries})");
        if (BackoffBaseMs < 0) throw new ArgumentException($"elasticsearch.backoff.base.ms must not be negative (got {BackoffBaseMs})");
        if (BackoffMaxMs < BackoffBaseMs) throw new ArgumentException($"elasticsearch.backoff.max.ms ({BackoffMaxMs}) must be at least elasticsearch.backoff.base.ms ({BackoffBaseMs})");
        if (MaxBufferedBytes < BulkMaxBytes) throw new ArgumentException($"elasticsearch.max.buffered.bytes ({MaxBufferedBytes}) must be at least elasticsearch.bulk.max.bytes ({BulkMaxBytes})");
        if (MaxBlockMs < 0) throw new ArgumentException($"elasticsearch.max.block.ms must not be negative (got {MaxBlockMs})");
        if (RequestTimeoutMs < 1) throw new ArgumentException($"elasticsearch.request.timeout.ms must be positive (got {RequestTimeoutMs})");
    }

    /// <summary>All settings, with secrets shown as <c>***</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("ElasticsearchSinkConfig { urls=");
        sb.AppendJoin(',', Urls.Select(Redact));
        sb.Append(", auth=").Append(ApiKey is not null ? "apiKey(***)" : Username is not null ? $"basic({Username}:***)" : "none");
        sb.Append(", tls.verify=").Append(TlsVerify ? "true" : "false");
        sb.Append(", index.features=").Append(FeaturesIndexPrefix).Append(", index.aggregates=").Append(AggregatesIndexPrefix);
        sb.Append(CultureInfo.InvariantCulture, $", bulk.max.docs={BulkMaxDocs}, bulk.max.bytes={BulkMaxBytes}, flush.interval.ms={FlushIntervalMs}");
        sb.Append(CultureInfo.InvariantCulture, $", max.retries={MaxRetries}, backoff.base.ms={BackoffBaseMs}, backoff.max.ms={BackoffMaxMs}");
        sb.Append(CultureInfo.InvariantCulture, $", max.buffered.bytes={MaxBufferedBytes}, max.block.ms={MaxBlockMs}, request.timeout.ms={RequestTimeoutMs} }}");
        return sb.ToString();
    }

    /// <summary>A URL without user info, safe to log.</summary>
    internal static string Redact(Uri url) =>
        string.IsNullOrEmpty(url.UserInfo) ? url.GetLeftPart(UriPartial.Path) : new UriBuilder(url) { UserName = "***", Password = "" }.Uri.GetLeftPart(UriPartial.Path);

    private static IReadOnlyList<Uri> ParseUrls(string value)
    {
        var list = new List<Uri>();
        foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri))
                throw new ArgumentException("elasticsearch.urls: an entry is not an absolute URL");
            list.Add(uri);
        }
        return list;
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming <paramref name="key"/> unless <paramref name="prefix"/> is a valid
    /// lowercase index prefix. Also used for the file sink's bulk action lines, which name the same indices.
    /// </summary>
    public static void CheckPrefix(string prefix, string key)
    {
        if (string.IsNullOrEmpty(prefix) || prefix != prefix.ToLowerInvariant() || prefix.IndexOfAny(['*', ',', ' ', '/', '\\', '"', '?', '#', '<', '>', '|']) >= 0)
            throw new ArgumentException($"{key}: '{prefix}' is not a valid lowercase index prefix");
    }

    private static int Int(IReadOnlyDictionary<string, string> p, string key, int fallback)
    {
        if (!p.TryGetValue(key, out var s)) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new ArgumentException($"{key}: '{s}' is not an integer");
    }
}
