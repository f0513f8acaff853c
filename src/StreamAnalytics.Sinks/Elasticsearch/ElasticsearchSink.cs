using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAnalytics.Features.Aggregate;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Sinks.Documents;
using StreamAnalytics.Sinks.Prometheus;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Sinks.Elasticsearch;

/// <summary>
/// Writes trace-features and aggregate documents to Elasticsearch 8 / OpenSearch 2 with the <c>_bulk</c> API.
/// </summary>
/// <remarks>
/// <para><b>Batching.</b> Documents are serialized when added and buffered; a background sender sends a bulk request
/// when <c>elasticsearch.bulk.max.docs</c> or <c>elasticsearch.bulk.max.bytes</c> is reached or every
/// <c>elasticsearch.flush.interval.ms</c>. One request is in flight at a time.</para>
/// <para><b>Retries.</b> A request that fails with 429, 5xx, a timeout or a connection error is retried against the
/// next URL (round-robin, so a dead node is skipped) after an exponential back-off with jitter (base
/// <c>elasticsearch.backoff.base.ms</c>, doubling, capped at <c>elasticsearch.backoff.max.ms</c>, each delay drawn
/// from [d/2, d]). When only some items fail with 429/5xx, only those items are retried.</para>
/// <para><b>Per-item errors.</b> A document refused for good (4xx such as a 400 mapping error) goes to the
/// dead-letter callback with Elasticsearch's reason, and the rest of the batch succeeds. A 409 on a trace-features
/// document means a newer revision is already stored (external versioning, version = revision + 1): it counts as
/// success (<see cref="BulkItemOutcome.Obsolete"/>).</para>
/// <para><b>Too large.</b> A request refused with 413 is split in halves, recursively; a single document refused so
/// goes to the dead-letter callback (error type <c>request_entity_too_large</c>).</para>
/// <para><b>At-least-once.</b> <see cref="Flush"/> blocks until every document added before it is acknowledged; if
/// documents still fail after <c>elasticsearch.max.retries</c> it throws <see cref="BulkIndexException"/> and keeps
/// them buffered, so the runtime does not commit and a later flush retries them.</para>
/// <para><b>Bounded memory, back-pressure.</b> At most <c>elasticsearch.max.buffered.bytes</c> of documents are held.
/// From three quarters of that bound until the buffer drains to half of it, <see cref="IsBlocked"/> is true: the stream
/// runtime then pauses its input partitions and keeps polling (<see cref="IBackPressure"/>), so an outage of any length
/// holds offsets without blocking the stream thread. The last quarter is headroom for what one record or punctuation
/// emits after the check. Should that still overflow the bound, <c>Add</c> waits for space at most
/// <c>elasticsearch.max.block.ms</c> once per full spell (counted in <c>trace_analytics_sink_backpressure_total</c>),
/// then accepts the document above the bound (counted in <c>trace_analytics_sink_over_budget_total</c>) rather than
/// stall the thread past <c>max.poll.interval.ms</c>.</para>
/// <para><b>Commits.</b> <see cref="TryFlush"/> waits a bounded time until every document added before the call is
/// acknowledged; the retries themselves run on the background sender, never on the stream thread.</para>
/// <para><b>Secrets.</b> The Authorization header is set on the client and never logged; URLs are logged without
/// user info; exceptions and metrics carry statuses and Elasticsearch's reasons only.</para>
/// <para>Thread-safety: <c>Add</c> and <see cref="Flush"/> may be called from any thread.</para>
/// </remarks>
public sealed class ElasticsearchSink : ISink, IBackPressure, IAsyncDisposable, IDisposable
{
    private const string SinkName = "elasticsearch";

    private readonly ElasticsearchSinkConfig _config;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly Action<DeadLetteredDocument>? _deadLetter;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly object _lock = new();
    private readonly List<SinkDocument> _queue = [];
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private Task? _background;
    // True from the start of StartAsync until its templates are in: documents sent meanwhile would get dynamic mappings.
    private volatile bool _templatesPending;
    private long _bufferedBytes;
    private int _queuedBytes;
    private int _nextUrl;
    private volatile string? _lastError;
    private int _waitingAdds;
    // Back-pressure state, under _lock: IsBlocked from the high-water mark down to the low one; whether an Add of the
    // current full spell already waited its elasticsearch.max.block.ms.
    private volatile bool _blocked;
    private bool _blockWaitSpent;
    // Acknowledgement tracking for TryFlush, under _lock: each document carries the flush generation current when it
    // was added; the count of unacknowledged documents per generation (few entries: one per flush with adds between).
    private long _generation;
    private readonly Dictionary<long, int> _pendingByGeneration = new();

    /// <summary>Creates the sink; call <see cref="StartAsync"/> before adding documents.</summary>
    /// <param name="config">Settings; validated here.</param>
    /// <param name="logger">Receives retry and failure messages (never secrets).</param>
    /// <param name="deadLetter">Receives documents Elasticsearch refused for good (called on the sender's thread).</param>
    /// <param name="delay">The back-off wait; tests inject one that records delays instead of sleeping.</param>
    public ElasticsearchSink(ElasticsearchSinkConfig config, ILogger? logger = null, Action<DeadLetteredDocument>? deadLetter = null,
        Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _logger = logger ?? NullLogger.Instance;
        _deadLetter = deadLetter;
        _delay = delay ?? ((d, ct) => Task.Delay(d, ct));
        SinkMetrics.Declare(SinkName); // its failure series exists at 0 from start, for the alert's rate()
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromMilliseconds(Math.Min(config.RequestTimeoutMs, 10_000)) };
        if (!config.TlsVerify) handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromMilliseconds(config.RequestTimeoutMs) };
        if (config.ApiKey is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", config.ApiKey);
        else if (config.Username is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{config.Username}:{config.Password}")));
    }

    /// <summary>Bytes of documents buffered or in flight.</summary>
    public long BufferedBytes => Interlocked.Read(ref _bufferedBytes);

    /// <summary>Documents waiting to be sent (not counting a batch in flight).</summary>
    public int QueuedDocuments
    {
        get { lock (_lock) return _queue.Count; }
    }

    /// <summary>Add calls currently blocked by a full buffer (for tests and diagnostics).</summary>
    internal int WaitingAdds
    {
        get { lock (_lock) return _waitingAdds; }
    }

    /// <summary>Puts the index templates (when enabled) and starts the background sender.</summary>
    /// <exception cref="ElasticsearchException">A template could not be put after the retries.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_config.TemplatesEnabled)
        {
            _templatesPending = true;
            await PutTemplateAsync(IndexTemplates.Features(_config.FeaturesIndexPrefix), cancellationToken).ConfigureAwait(false);
            await PutTemplateAsync(IndexTemplates.Aggregates(_config.AggregatesIndexPrefix), cancellationToken).ConfigureAwait(false);
        }
        _templatesPending = false;
        _background ??= Task.Run(BackgroundLoopAsync);
    }

    /// <summary>Ready unless the last request failed (the failure kind, never a secret, is the reason).</summary>
    public ReadinessResult CheckReadiness() =>
        _lastError is { } error ? ReadinessResult.NotReady(error)
        : _templatesPending ? ReadinessResult.NotReady("index templates not put yet")
        : ReadinessResult.Ready;

    /// <inheritdoc/>
    public void Add(FeaturesDocument document, CancellationToken cancellationToken = default) =>
        Add(SinkDocument.ForFeatures(document, _config.FeaturesIndexPrefix), cancellationToken);

    /// <summary>Buffers the document of <paramref name="features"/> (every feature, default caps): for callers outside a topology.</summary>
    public void Add(TraceFeatures features, CancellationToken cancellationToken = default) =>
        Add(FeaturesDocument.Create(features), cancellationToken);

    /// <inheritdoc/>
    public void Add(AggregateDocument aggregate, CancellationToken cancellationToken = default) =>
        Add(SinkDocument.ForAggregate(aggregate, _config.AggregatesIndexPrefix), cancellationToken);

    /// <summary>
    /// Buffers a document. While the buffer is full it waits for space, at most <c>elasticsearch.max.block.ms</c> per
    /// full spell, then takes the document above the bound (see remarks of the class).
    /// </summary>
    public void Add(SinkDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        int size = document.BufferedBytes;
        bool wakeSender;
        lock (_lock)
        {
            bool counted = false;
            long deadline = 0;
            // A document bigger than the whole budget is still accepted into an empty buffer, or it could never be sent.
            while (_bufferedBytes > 0 && _bufferedBytes + size > _config.MaxBufferedBytes)
            {
                if (!counted)
                {
                    SinkMetrics.Blocked(SinkName);
                    counted = true;
                    deadline = Stopwatch.GetTimestamp() + _config.MaxBlockMs * Stopwatch.Frequency / 1000;
                }
                long leftMs = (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (_blockWaitSpent || leftMs <= 0)
                {
                    // The runtime pauses input at the high-water mark, so this is the tail of one record or punctuation:
                    // taking it is bounded, stalling the stream thread past max.poll.interval.ms is not.
                    if (!_blockWaitSpent)
                        _logger.LogWarning("elasticsearch buffer full for {Ms} ms (elasticsearch.max.buffered.bytes={Max}); accepting documents above the bound until it drains",
                            _config.MaxBlockMs, _config.MaxBufferedBytes);
                    _blockWaitSpent = true;
                    SinkMetrics.OverBudget(SinkName);
                    break;
                }
                Wake();
                cancellationToken.ThrowIfCancellationRequested();
                _waitingAdds++;
                try
                {
                    Monitor.Wait(_lock, (int)Math.Min(leftMs, 100));
                }
                finally
                {
                    _waitingAdds--;
                }
            }
            _queue.Add(document);
            _queuedBytes += size;
            long buffered = Interlocked.Add(ref _bufferedBytes, size);
            document.FlushGeneration = _generation;
            _pendingByGeneration[_generation] = _pendingByGeneration.GetValueOrDefault(_generation) + 1;
            if (!_blocked && buffered >= HighWaterBytes) _blocked = true;
            wakeSender = _blocked || _queue.Count >= _config.BulkMaxDocs || _queuedBytes >= _config.BulkMaxBytes;
        }
        SinkMetrics.BufferedBytes(SinkName, size);
        if (wakeSender) Wake();
    }

    /// <summary>
    /// True from the moment the buffer holds three quarters of <c>elasticsearch.max.buffered.bytes</c> until it has
    /// drained to half: the stream runtime pauses its input meanwhile (<see cref="IBackPressure"/>).
    /// </summary>
    public bool IsBlocked => _blocked;

    private long HighWaterBytes => _config.MaxBufferedBytes - _config.MaxBufferedBytes / 4;

    private long LowWaterBytes => _config.MaxBufferedBytes / 2;

    /// <summary>
    /// Waits at most <paramref name="timeout"/> until every document added before this call is acknowledged (indexed,
    /// obsolete or dead-lettered); true if so. Does not send or retry itself: it wakes the background sender, which
    /// retries with back-off for as long as it takes, so the caller (the stream thread) is never held longer.
    /// </summary>
    public bool TryFlush(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(Math.Max(0, timeout.TotalSeconds) * Stopwatch.Frequency);
        long target;
        lock (_lock)
        {
            // Documents added from now on belong to the next generation and are not waited for.
            target = _generation++;
            if (!HasPendingUpTo(target)) return true;
        }
        Wake();
        lock (_lock)
        {
            while (HasPendingUpTo(target))
            {
                cancellationToken.ThrowIfCancellationRequested();
                long leftMs = (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (leftMs <= 0) return false;
                Monitor.Wait(_lock, (int)Math.Min(leftMs, 100));
            }
        }
        return true;
    }

    private bool HasPendingUpTo(long generation)
    {
        foreach (var g in _pendingByGeneration.Keys)
        {
            if (g <= generation) return true;
        }
        return false;
    }

    /// <summary>Blocks until every document added so far is acknowledged (indexed, obsolete or dead-lettered).</summary>
    /// <exception cref="BulkIndexException">Documents still failed after the retries; they stay buffered.</exception>
    public void Flush(CancellationToken cancellationToken) => FlushAsync(cancellationToken).GetAwaiter().GetResult();

    /// <inheritdoc cref="Flush"/>
    public Task FlushAsync(CancellationToken cancellationToken = default) => SendBufferedAsync(throwOnFailure: true, cancellationToken);

    private async Task BackgroundLoopAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_config.FlushIntervalMs, stop).ConfigureAwait(false);
                await SendBufferedAsync(throwOnFailure: false, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Documents stay buffered; the next round or an explicit Flush retries them.
                _logger.LogWarning("elasticsearch background send failed: {Error}", e.Message);
            }
        }
    }

    private async Task SendBufferedAsync(bool throwOnFailure, CancellationToken cancellationToken)
    {
        if (_templatesPending)
        {
            // StartAsync has not put the templates yet (the job retries it while Elasticsearch is unreachable): hold
            // the documents, and fail a flush so that the offsets behind them are not committed.
            if (throwOnFailure)
                throw new ElasticsearchException("the index templates are not in place yet (Elasticsearch was unreachable at start); documents stay buffered and offsets are not committed", 0);
            return;
        }
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<BulkItemResult>();
        try
        {
            int remaining;
            lock (_lock) remaining = _queue.Count;
            while (remaining > 0)
            {
                List<SinkDocument> batch = TakeBatch();
                if (batch.Count == 0) break;
                remaining -= batch.Count;
                List<SinkDocument> failed = await SendWithRetriesAsync(batch, results, cancellationToken).ConfigureAwait(false);
                if (failed.Count > 0)
                {
                    SinkMetrics.Failure(SinkName);
                    if (!throwOnFailure) return;
                    var first = results.First(r => r.Outcome == BulkItemOutcome.Failed);
                    throw new BulkIndexException(
                        $"{failed.Count} document(s) still failing after {_config.MaxRetries} retries (last: {first.ErrorType}: {first.Reason}); " +
                        "they stay buffered and offsets are not committed. Check the cluster behind elasticsearch.urls, or raise elasticsearch.max.retries.",
                        results);
                }
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void Wake()
    {
        // One pending signal is enough: the sender drains the whole buffer when it wakes.
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    private List<SinkDocument> TakeBatch()
    {
        lock (_lock)
        {
            int n = 0, bytes = 0;
            while (n < _queue.Count && n < _config.BulkMaxDocs)
            {
                int size = _queue[n].BufferedBytes;
                if (n > 0 && bytes + size > _config.BulkMaxBytes) break;
                bytes += size;
                n++;
            }
            var batch = _queue.GetRange(0, n);
            _queue.RemoveRange(0, n);
            _queuedBytes -= bytes;
            return batch;
        }
    }

    private void Requeue(List<SinkDocument> documents)
    {
        lock (_lock)
        {
            _queue.InsertRange(0, documents);
            foreach (var d in documents) _queuedBytes += d.BufferedBytes;
        }
    }

    private void Release(SinkDocument document)
    {
        int size = document.BufferedBytes;
        lock (_lock)
        {
            long buffered = Interlocked.Add(ref _bufferedBytes, -size);
            long g = document.FlushGeneration;
            if (_pendingByGeneration.TryGetValue(g, out int n))
            {
                if (n <= 1) _pendingByGeneration.Remove(g);
                else _pendingByGeneration[g] = n - 1;
            }
            if (buffered <= LowWaterBytes)
            {
                _blocked = false;
                _blockWaitSpent = false;
            }
            Monitor.PulseAll(_lock);
        }
        SinkMetrics.BufferedBytes(SinkName, -size);
    }

    /// <summary>Sends <paramref name="batch"/>, retrying what fails transiently; returns the documents still failing (requeued).</summary>
    private async Task<List<SinkDocument>> SendWithRetriesAsync(List<SinkDocument> batch, List<BulkItemResult> results, CancellationToken cancellationToken)
    {
        List<SinkDocument> pending = batch;
        using var writer = new BulkRequestWriter();
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                writer.Reset();
                foreach (var doc in pending) writer.Add(doc);
                Uri url = NextUrl();
                var (retry, retryReason, retryDetail) = await SendOnceAsync(url, writer, pending, results, cancellationToken).ConfigureAwait(false);
                if (retry.Count == 0)
                {
                    _lastError = null;
                    return retry;
                }
                _lastError = retryReason;
                if (attempt >= _config.MaxRetries)
                {
                    foreach (var doc in retry)
                        results.Add(new BulkItemResult(doc.Index, doc.Id, 0, BulkItemOutcome.Failed, retryReason, retryDetail));
                    _logger.LogError("elasticsearch bulk: {Count} document(s) still failing after {Retries} retries ({Reason}); kept for the next flush",
                        retry.Count, _config.MaxRetries, retryReason);
                    Requeue(retry);
                    pending = [];
                    return retry;
                }
                TimeSpan wait = Backoff(attempt);
                SinkMetrics.Retry(SinkName, retryReason);
                _logger.LogWarning("elasticsearch bulk to {Url}: {Count} document(s) failed ({Reason}); retry {Attempt} of {Max} in {DelayMs} ms",
                    ElasticsearchSinkConfig.Redact(url), retry.Count, retryReason, attempt + 1, _config.MaxRetries, (long)wait.TotalMilliseconds);
                pending = retry;
                await _delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // Cancelled (shutdown) mid-retry: what was not acknowledged goes back to the buffer.
            if (pending.Count > 0) Requeue(pending);
            throw;
        }
    }

    /// <summary>One bulk request. Acknowledged items are released and recorded; returns the items to retry.</summary>
    private async Task<(List<SinkDocument> Retry, string Reason, string Detail)> SendOnceAsync(
        Uri baseUrl, BulkRequestWriter writer, List<SinkDocument> pending, List<BulkItemResult> results, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "_bulk"))
        {
            Content = new ReadOnlyMemoryContent(writer.WrittenMemory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            return (pending, "connection", e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (pending, "timeout", $"no response within elasticsearch.request.timeout.ms ({_config.RequestTimeoutMs})");
        }
        string tooLarge;
        using (response)
        {
            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            SinkMetrics.Bulk(SinkName, Stopwatch.GetElapsedTime(started).TotalSeconds);
            int status = (int)response.StatusCode;
            if (status == 429 || status >= 500)
                return (pending, status == 429 ? "http_429" : "http_5xx", $"HTTP {status}: {Snippet(body)}");
            if (status is >= 200 and < 300) return ReadItems(body, pending, results);
            if (status != 413)
            {
                // The whole request was refused (401, 403, …): the documents are not the problem, so they are not
                // dead-lettered; they are retried like a transient error (a cluster being set up may start accepting)
                // and then stay buffered, holding back the commit until an operator fixes the cause.
                return (pending, $"http_{status}", Snippet(body));
            }
            tooLarge = Snippet(body);
        }
        return await SplitTooLargeAsync(baseUrl, pending, results, tooLarge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The cluster (or a proxy before it) refused the request as too large (413, <c>http.max_content_length</c>):
    /// retrying it unchanged can never succeed, so the halves are sent instead, each split again if still refused. A
    /// single document refused this way goes to the dead-letter callback with the reason. Returns what the halves left
    /// to retry (transient failures), for the caller's back-off loop.
    /// </summary>
    private async Task<(List<SinkDocument> Retry, string Reason, string Detail)> SplitTooLargeAsync(
        Uri baseUrl, List<SinkDocument> pending, List<BulkItemResult> results, string detail, CancellationToken cancellationToken)
    {
        SinkMetrics.Retry(SinkName, "http_413_split");
        if (pending.Count == 1)
        {
            var doc = pending[0];
            var dead = new DeadLetteredDocument(doc.Index, doc.Id, 413, "request_entity_too_large",
                $"a bulk request holding only this document ({doc.Source.Length} bytes) was refused as too large: {detail}", doc.Source);
            if (!TryDeadLetter(dead)) return (pending, "dead_letter_failed", $"{dead.ErrorType}: {dead.Reason}");
            results.Add(new BulkItemResult(doc.Index, doc.Id, 413, BulkItemOutcome.Rejected, dead.ErrorType, dead.Reason));
            SinkMetrics.Document(SinkName, "rejected", 1);
            _logger.LogWarning("elasticsearch refused document {Id} for {Index} as too large (413, {Bytes} bytes); dead-lettered", doc.Id, doc.Index, doc.Source.Length);
            Release(doc);
            return ([], "", "");
        }
        _logger.LogWarning("elasticsearch refused a bulk request of {Count} documents as too large (413); sending it in halves", pending.Count);
        int half = pending.Count / 2;
        var retry = new List<SinkDocument>();
        string reason = "", retryDetail = "";
        foreach (var part in new[] { pending.GetRange(0, half), pending.GetRange(half, pending.Count - half) })
        {
            using var writer = new BulkRequestWriter();
            foreach (var doc in part) writer.Add(doc);
            var (partRetry, partReason, partDetail) = await SendOnceAsync(baseUrl, writer, part, results, cancellationToken).ConfigureAwait(false);
            if (partRetry.Count == 0) continue;
            retry.AddRange(partRetry);
            reason = partReason;
            retryDetail = partDetail;
        }
        return (retry, reason, retryDetail);
    }

    private (List<SinkDocument> Retry, string Reason, string Detail) ReadItems(byte[] body, List<SinkDocument> pending, List<BulkItemResult> results)
    {
        var retry = new List<SinkDocument>();
        string reason = "", detail = "";
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return (pending, "bad_response", "the _bulk response was not JSON");
        }
        using (json)
        {
            if (!json.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() != pending.Count)
                return (pending, "bad_response", "the _bulk response has no item per document");
            int i = 0;
            long indexed = 0, obsolete = 0, rejected = 0;
            foreach (var item in items.EnumerateArray())
            {
                var doc = pending[i++];
                JsonElement result = default;
                foreach (var action in item.EnumerateObject()) { result = action.Value; break; }
                int status = result.ValueKind == JsonValueKind.Object && result.TryGetProperty("status", out var s) && s.TryGetInt32(out int st) ? st : 0;
                string? errorType = null, errorReason = null;
                if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.Object)
                    {
                        errorType = error.TryGetProperty("type", out var t) ? t.GetString() : null;
                        errorReason = error.TryGetProperty("reason", out var r) ? r.GetString() : null;
                    }
                    else errorReason = error.ToString();
                }
                if (status is >= 200 and < 300)
                {
                    results.Add(new BulkItemResult(doc.Index, doc.Id, status, BulkItemOutcome.Indexed, null, null));
                    indexed++;
                    Release(doc);
                }
                else if (status == 409 && doc.Version is not null)
                {
                    results.Add(new BulkItemResult(doc.Index, doc.Id, status, BulkItemOutcome.Obsolete, errorType, errorReason));
                    obsolete++;
                    Release(doc);
                }
                else if (status == 429 || status >= 500 || status == 0)
                {
                    retry.Add(doc);
                    reason = status == 429 ? "http_429" : "http_5xx";
                    detail = $"{errorType}: {errorReason}";
                }
                else
                {
                    var dead = new DeadLetteredDocument(doc.Index, doc.Id, status, errorType ?? $"http_{status}", errorReason ?? "rejected", doc.Source);
                    if (TryDeadLetter(dead))
                    {
                        results.Add(new BulkItemResult(doc.Index, doc.Id, status, BulkItemOutcome.Rejected, dead.ErrorType, dead.Reason));
                        rejected++;
                        _logger.LogWarning("elasticsearch rejected document {Id} for {Index}: {Status} {ErrorType}; dead-lettered", doc.Id, doc.Index, status, dead.ErrorType);
                        Release(doc);
                    }
                    else
                    {
                        // The dead-letter write failed: the document is neither stored nor dead-lettered, so it stays
                        // buffered (and unreleased) like a transient failure and holds back the commit. Letting the
                        // exception escape here used to requeue documents of this batch that were already released,
                        // which drove the byte accounting negative.
                        retry.Add(doc);
                        reason = "dead_letter_failed";
                        detail = $"{dead.ErrorType}: {dead.Reason}";
                    }
                }
            }
            if (indexed > 0) SinkMetrics.Document(SinkName, "indexed", indexed);
            if (obsolete > 0) SinkMetrics.Document(SinkName, "obsolete", obsolete);
            if (rejected > 0) SinkMetrics.Document(SinkName, "rejected", rejected);
        }
        return (retry, reason, detail);
    }

    /// <summary>Hands a refused document to the dead-letter callback; false when the callback threw (logged, never rethrown).</summary>
    private bool TryDeadLetter(DeadLetteredDocument dead)
    {
        try
        {
            _deadLetter?.Invoke(dead);
            return true;
        }
        catch (Exception e)
        {
            _logger.LogError("elasticsearch: dead-lettering document {Id} for {Index} failed ({Error}); it stays buffered and is retried", dead.Id, dead.Index, e.Message);
            return false;
        }
    }

    private async Task PutTemplateAsync((string Name, string Body) template, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            Uri url = NextUrl();
            string reason;
            int status = 0;
            try
            {
                using var content = new StringContent(template.Body, Encoding.UTF8, "application/json");
                using var response = await _http.PutAsync(new Uri(url, "_index_template/" + template.Name), content, cancellationToken).ConfigureAwait(false);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    _logger.LogInformation("elasticsearch index template {Name} put at {Url}", template.Name, ElasticsearchSinkConfig.Redact(url));
                    return;
                }
                string body = Snippet(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
                reason = $"HTTP {status}: {body}";
                if (status != 429 && status < 500)
                    throw new ElasticsearchException($"putting index template '{template.Name}' failed: {reason}", status);
            }
            catch (HttpRequestException e)
            {
                reason = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reason = "timeout";
            }
            _lastError = reason;
            if (attempt >= _config.MaxRetries)
                throw new ElasticsearchException($"putting index template '{template.Name}' failed after {_config.MaxRetries} retries: {reason}. Check elasticsearch.urls.", status);
            SinkMetrics.Retry(SinkName, status == 0 ? "connection" : status == 429 ? "http_429" : "http_5xx");
            await _delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Exponential back-off with jitter: d = min(max, base · 2^attempt), drawn from [d/2, d].</summary>
    internal TimeSpan Backoff(int attempt)
    {
        double d = Math.Min(_config.BackoffMaxMs, _config.BackoffBaseMs * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(d / 2 + Random.Shared.NextDouble() * d / 2);
    }

    private Uri NextUrl()
    {
        var urls = _config.Urls;
        int i = (int)((uint)(Interlocked.Increment(ref _nextUrl) - 1) % (uint)urls.Count);
        Uri url = urls[i];
        // Relative "_bulk" must resolve under the base path (e.g. a proxy prefix), so the base needs a trailing slash.
        return url.AbsolutePath.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }

    private static string Snippet(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return body.Length > 300 ? text + "…" : text;
    }

    /// <summary>Stops the background sender without flushing (the owner flushes first); buffered documents are dropped with the process.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_background is not null)
        {
            try { await _background.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
        _http.Dispose();
        _stop.Dispose();
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
