using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace StreamAnalytics.Sinks.Tests.Elasticsearch;

/// <summary>
/// A stand-in for Elasticsearch (which cannot run here): a local HTTP server on 127.0.0.1 and an ephemeral port that
/// records every request and answers from a script. By default a template PUT gets 200 and a <c>_bulk</c> gets 200
/// with status 201 for every item; <see cref="BulkItemStatuses"/> and <see cref="NextResponses"/> script failures.
/// </summary>
internal sealed class FakeElasticsearchServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _nextStatuses = new();

    public sealed record RecordedRequest(string Method, string Path, string? Authorization, string? ContentType, string Body)
    {
        public string[] Lines => Body.Split('\n');
    }

    private FakeElasticsearchServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public IEnumerable<RecordedRequest> BulkRequests => Requests.Where(r => r.Path == "/_bulk");

    /// <summary>Whole-request statuses to answer next (e.g. 429, 503), one per request, before normal handling.</summary>
    public void NextResponses(params int[] statuses)
    {
        foreach (int s in statuses) _nextStatuses.Enqueue(s);
    }

    /// <summary>When set, always answer the whole request with this status.</summary>
    public int? AlwaysStatus { get; set; }

    /// <summary>Per-item status for bulk requests: given (request number from 0, item index, action JSON), the item status; default 201.</summary>
    public Func<int, int, JsonElement, int>? BulkItemStatuses { get; set; }

    /// <summary>When set, a bulk request whose body is longer than this many bytes is answered 413, as http.max_content_length does.</summary>
    public int? MaxBulkBodyBytes { get; set; }

    /// <summary>Completes to let a pending bulk response go out; null answers at once.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public static async Task<FakeElasticsearchServer> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeElasticsearchServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeElasticsearchServer(app, new Uri(address + "/"));
        return server;
    }

    private int _bulkCount;

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        string body = await reader.ReadToEndAsync();
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.Authorization.FirstOrDefault(),
            context.Request.ContentType, body);
        Requests.Enqueue(request);

        if (AlwaysStatus is int always || _nextStatuses.TryDequeue(out always))
        {
            context.Response.StatusCode = always;
            await context.Response.WriteAsync($$"""{"error":{"type":"scripted","reason":"scripted status {{always}}"},"status":{{always}}}""");
            return;
        }
        if (request.Path.StartsWith("/_index_template/", StringComparison.Ordinal))
        {
            await context.Response.WriteAsync("""{"acknowledged":true}""");
            return;
        }
        if (request.Path == "/_bulk")
        {
            if (Gate is { } gate) await gate.Task;
            if (MaxBulkBodyBytes is int max && Encoding.UTF8.GetByteCount(body) > max)
            {
                context.Response.StatusCode = 413;
                return;
            }
            int requestNumber = Interlocked.Increment(ref _bulkCount) - 1;
            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var sb = new StringBuilder();
            bool errors = false;
            for (int i = 0; i < lines.Length; i += 2)
            {
                using var action = JsonDocument.Parse(lines[i]);
                var index = action.RootElement.GetProperty("index");
                int status = BulkItemStatuses?.Invoke(requestNumber, i / 2, index) ?? 201;
                if (i > 0) sb.Append(',');
                sb.Append($$"""{"index":{"_index":"{{index.GetProperty("_index").GetString()}}","_id":"{{index.GetProperty("_id").GetString()}}","status":{{status}}""");
                if (status >= 300)
                {
                    errors = true;
                    string type = status switch
                    {
                        400 => "mapper_parsing_exception",
                        409 => "version_conflict_engine_exception",
                        429 => "es_rejected_execution_exception",
                        _ => "internal_error",
                    };
                    sb.Append($$""","error":{"type":"{{type}}","reason":"scripted {{type}} for item {{i / 2}}"}""");
                }
                else sb.Append(""","result":"created","_version":1""");
                sb.Append("}}");
            }
            sb.Append("]}");
            sb.Insert(0, $$"""{"took":1,"errors":{{(errors ? "true" : "false")}},"items":[""");
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(sb.ToString());
            return;
        }
        context.Response.StatusCode = 404;
    }

    public async ValueTask DisposeAsync()
    {
        Gate?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
