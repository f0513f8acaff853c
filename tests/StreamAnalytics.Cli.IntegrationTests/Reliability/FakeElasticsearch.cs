using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// A scriptable stand-in for Elasticsearch on 127.0.0.1 (HttpListener; the Sinks tests have a Kestrel one for
/// protocol details): template PUTs succeed, <c>_bulk</c> answers by <see cref="Mode"/>, and indexed documents are
/// kept by index and id (the last write wins, as in Elasticsearch).
/// </summary>
public sealed class FakeElasticsearch : IDisposable
{
    public enum BulkMode
    {
        /// <summary>Every item indexed (201).</summary>
        Accept,
        /// <summary>Whole request 503 (cluster unavailable).</summary>
        Unavailable,
        /// <summary>Whole request 429 for even request numbers, items 429 (es_rejected_execution_exception) for odd ones.</summary>
        TooManyRequests,
    }

    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private long _bulkRequests, _rejectedRequests;

    public FakeElasticsearch()
    {
        Port = EngineProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public volatile BulkMode Mode = BulkMode.Accept;

    /// <summary>(index, id) → source of the last accepted write.</summary>
    public ConcurrentDictionary<(string Index, string Id), string> Documents { get; } = new();

    /// <summary>(index, id) → how many writes of it were accepted (a re-processed trace is written again).</summary>
    public ConcurrentDictionary<(string Index, string Id), int> AcceptedWrites { get; } = new();

    public long BulkRequests => Interlocked.Read(ref _bulkRequests);

    /// <summary>Bulk requests answered with an error (whole request or items).</summary>
    public long RejectedRequests => Interlocked.Read(ref _rejectedRequests);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync();
            string path = context.Request.Url?.AbsolutePath ?? "";
            if (path != "/_bulk")
            {
                await WriteAsync(context, 200, """{"acknowledged":true}""");
                return;
            }
            long n = Interlocked.Increment(ref _bulkRequests);
            var mode = Mode;
            if (mode == BulkMode.Unavailable || (mode == BulkMode.TooManyRequests && n % 2 == 0))
            {
                Interlocked.Increment(ref _rejectedRequests);
                int status = mode == BulkMode.Unavailable ? 503 : 429;
                await WriteAsync(context, status, $$"""{"error":{"type":"scripted","reason":"scripted {{status}}"},"status":{{status}}}""");
                return;
            }
            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var sb = new StringBuilder("""{"took":1,"errors":""").Append(mode == BulkMode.Accept ? "false" : "true").Append(""","items":[""");
            if (mode != BulkMode.Accept) Interlocked.Increment(ref _rejectedRequests);
            for (int i = 0; i + 1 < lines.Length; i += 2)
            {
                using var action = JsonDocument.Parse(lines[i]);
                var meta = action.RootElement.GetProperty("index");
                string index = meta.GetProperty("_index").GetString()!, id = meta.GetProperty("_id").GetString()!;
                if (i > 0) sb.Append(',');
                if (mode == BulkMode.Accept)
                {
                    Documents[(index, id)] = lines[i + 1];
                    AcceptedWrites.AddOrUpdate((index, id), 1, static (_, n) => n + 1);
                    sb.Append($$$"""{"index":{"_index":"{{{index}}}","_id":"{{{id}}}","status":201,"result":"created","_version":1}}""");
                }
                else
                {
                    sb.Append($$$$"""{"index":{"_index":"{{{{index}}}}","_id":"{{{{id}}}}","status":429,"error":{"type":"es_rejected_execution_exception","reason":"scripted"}}}""");
                }
            }
            sb.Append("]}");
            await WriteAsync(context, 200, sb.ToString());
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (engine killed or request timed out).
        }
    }

    private static async Task WriteAsync(HttpListenerContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
