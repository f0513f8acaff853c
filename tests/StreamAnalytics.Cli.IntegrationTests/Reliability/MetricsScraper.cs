using System.Globalization;
using System.Net;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>Reads an engine's <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> on 127.0.0.1 (short timeouts; null when unreachable).</summary>
public static class MetricsScraper
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static async Task<(HttpStatusCode? Status, string Body)> GetStatusAsync(int port, string path)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}{path}");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, "");
        }
    }

    public static async Task<string?> GetAsync(int port, string path)
    {
        var (status, body) = await GetStatusAsync(port, path);
        return status is null ? null : body;
    }

    /// <summary>Sum of every sample of <paramref name="name"/> (any labels) whose label text contains all of <paramref name="labelFilters"/>.</summary>
    public static double Sum(string exposition, string name, params string[] labelFilters)
    {
        double total = 0;
        foreach (string raw in exposition.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
            int rest = name.Length;
            if (line.Length <= rest || (line[rest] != '{' && line[rest] != ' ')) continue;
            string labels = line[rest] == '{' ? line[rest..(line.IndexOf('}', rest) + 1)] : "";
            bool match = true;
            foreach (string f in labelFilters) match &= labels.Contains(f, StringComparison.Ordinal);
            if (!match) continue;
            string valueText = line[(line[rest] == '{' ? line.IndexOf('}', rest) + 1 : rest)..].Trim().Split(' ')[0];
            if (double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) total += v;
        }
        return total;
    }
}
