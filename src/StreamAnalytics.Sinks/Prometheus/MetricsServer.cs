using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAnalytics.Sinks.Internal;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// The engine's HTTP endpoint on <c>metrics.bind</c>: <c>/metrics</c> (Prometheus text 0.0.4, or OpenMetrics with
/// exemplars when the scraper's Accept header asks for <c>application/openmetrics-text</c>), <c>/healthz</c> (200
/// while the process serves requests) and <c>/readyz</c> (200 only when every registered readiness check passes;
/// otherwise 503 with one line per failing check).
/// </summary>
/// <remarks>
/// Hosted on Kestrel with no configuration sources, so environment variables such as <c>ASPNETCORE_URLS</c> cannot
/// move it off the configured address. Readiness checks run on request threads and must be quick and thread-safe;
/// a check that throws counts as failing (the body names the exception type only, so no message can leak a secret).
/// </remarks>
public sealed class MetricsServer : IAsyncDisposable
{
    private readonly PrometheusExporterConfig _config;
    private readonly MetricsCollector _collector;
    private readonly ILogger _logger;
    private readonly object _checksLock = new();
    private readonly List<(string Name, Func<ReadinessResult> Check)> _checks = [];
    private WebApplication? _app;

    /// <summary>Creates the server; <see cref="StartAsync"/> binds it.</summary>
    public MetricsServer(PrometheusExporterConfig config, MetricsCollector collector, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(collector);
        _config = config;
        _collector = collector;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The bound address (with the real port when <c>metrics.bind</c> used port 0); null before start.</summary>
    public IPEndPoint? BoundEndPoint { get; private set; }

    /// <summary><c>http://address:port/</c> of the bound endpoint.</summary>
    public Uri BaseAddress
    {
        get
        {
            var ep = BoundEndPoint ?? throw new InvalidOperationException("the metrics server is not started");
            // A wildcard bind is reachable on loopback; that is what local clients (and tests) use.
            IPAddress a = ep.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : ep.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : ep.Address;
            string host = a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString();
            return new Uri($"http://{host}:{ep.Port}/");
        }
    }

    /// <summary>Registers a readiness check shown under <paramref name="name"/> (e.g. <c>partitions</c>, <c>stores</c>, <c>elasticsearch</c>).</summary>
    public void AddReadinessCheck(string name, Func<ReadinessResult> check)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(check);
        lock (_checksLock) _checks.Add((name, check));
    }

    /// <summary>Binds <c>metrics.bind</c> and starts serving.</summary>
    /// <exception cref="IOException">The address is in use or cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null) throw new InvalidOperationException("the metrics server is already started");
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Listen(_config.Bind);
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        BoundEndPoint = new IPEndPoint(_config.Bind.Address, uri.Port);
        _logger.LogInformation("metrics endpoint listening on {Address}", address);
    }

    /// <summary>Stops serving (in-flight requests finish first, bounded by <paramref name="cancellationToken"/>).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var app = _app;
        _app = null;
        if (app is null) return;
        await app.StopAsync(cancellationToken).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        switch (context.Request.Path.Value)
        {
            case "/metrics":
                await WriteMetricsAsync(context).ConfigureAwait(false);
                return;
            case "/healthz":
                response.ContentType = "text/plain; charset=utf-8";
                await response.Body.WriteAsync("ok\n"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
                return;
            case "/readyz":
                await WriteReadinessAsync(context).ConfigureAwait(false);
                return;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    private async Task WriteMetricsAsync(HttpContext context)
    {
        string accept = context.Request.Headers.Accept.ToString();
        var format = accept.Contains("application/openmetrics-text", StringComparison.OrdinalIgnoreCase)
            ? ExpositionFormat.OpenMetrics
            : ExpositionFormat.Text004;
        using var buffer = new PooledBufferWriter(64 * 1024);
        _collector.WriteTo(buffer, format);
        context.Response.ContentType = format == ExpositionFormat.OpenMetrics
            ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
            : "text/plain; version=0.0.4; charset=utf-8";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteReadinessAsync(HttpContext context)
    {
        (string Name, Func<ReadinessResult> Check)[] checks;
        lock (_checksLock) checks = [.. _checks];
        var failing = new StringBuilder();
        foreach (var (name, check) in checks)
        {
            ReadinessResult result;
            try
            {
                result = check();
            }
            catch (Exception e)
            {
                result = ReadinessResult.NotReady($"check threw {e.GetType().Name}");
            }
            if (!result.IsReady) failing.Append(name).Append(": ").Append(result.Reason ?? "not ready").Append('\n');
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.StatusCode = failing.Length == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        string body = failing.Length == 0 ? "ready\n" : failing.ToString();
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body), context.RequestAborted).ConfigureAwait(false);
    }
}
