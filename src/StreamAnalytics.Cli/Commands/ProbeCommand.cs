using System.CommandLine;
using System.Net;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// <c>probe</c>: GETs a running engine's <c>/readyz</c> (or <c>/healthz</c>) on this host and exits 0 when it answers
/// 200, else 1 with the reason. The container image's HEALTHCHECK runs it: the image has no curl, and its
/// <c>/bin/sh</c> (dash) has no <c>/dev/tcp</c>.
/// </summary>
internal static class ProbeCommand
{
    private const string BindVariable = "STREAMANALYTICS_METRICS_BIND";

    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = $"What to GET (default http://127.0.0.1:<port>/readyz, the port from ${BindVariable} or 9464).",
        };
        var live = new Option<bool>("--live") { Description = "Probe /healthz (the process serves) instead of /readyz (it can do its work)." };
        var timeout = DurationOption.Create("--timeout", "How long to wait for the answer.", "3s");
        var command = new Command("probe", """
            Ask the engine on this host whether it is ready; exit 0 when /readyz answers 200, 1 otherwise (with the reason).

            Examples:
              streamanalytics probe
              streamanalytics probe --live
              streamanalytics probe --url http://127.0.0.1:9465/readyz
            """) { url, live, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(url) is { Length: > 0 } u ? u : DefaultUrl(Environment.GetEnvironmentVariable(BindVariable), parse.GetValue(live));
            var (ok, message) = await ProbeAsync(target, parse.GetValue(timeout) ?? TimeSpan.FromSeconds(3), cancellationToken);
            (ok ? Console.Out : Console.Error).WriteLine(message);
            return ok ? 0 : 1;
        });
        return command;
    }

    /// <summary>The URL to probe for a <c>metrics.bind</c> value: a wildcard address means this host's loopback.</summary>
    internal static string DefaultUrl(string? bind, bool live)
    {
        string path = live ? "healthz" : "readyz";
        int port = 9464;
        string host = "127.0.0.1";
        if (!string.IsNullOrWhiteSpace(bind))
        {
            var endpoint = Sinks.Prometheus.PrometheusExporterConfig.ParseBind(bind.Trim());
            port = endpoint.Port;
            if (!endpoint.Address.Equals(IPAddress.Any) && !endpoint.Address.Equals(IPAddress.IPv6Any))
                host = endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
            else if (endpoint.Address.Equals(IPAddress.IPv6Any)) host = "[::1]";
        }
        return $"http://{host}:{port}/{path}";
    }

    internal static async Task<(bool Ok, string Message)> ProbeAsync(string url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = timeout };
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            string body = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
            return response.StatusCode == HttpStatusCode.OK
                ? (true, $"{url}: {(int)response.StatusCode} {body}")
                : (false, $"{url}: {(int)response.StatusCode} {body}");
        }
        catch (HttpRequestException e)
        {
            return (false, $"{url}: unreachable ({e.Message}); is the engine running with metrics.bind on this port?");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"{url}: no answer within {timeout.TotalSeconds:0.#} s");
        }
    }
}
