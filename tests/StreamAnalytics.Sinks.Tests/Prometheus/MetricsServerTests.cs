using System.Diagnostics.Metrics;
using System.Net;
using StreamAnalytics.Sinks.Prometheus;

namespace StreamAnalytics.Sinks.Tests.Prometheus;

public sealed class MetricsServerTests : IAsyncLifetime
{
    private readonly string _meterName = "Test.Server." + Guid.NewGuid().ToString("N");
    private Meter _meter = null!;
    private MetricsCollector _collector = null!;
    private MetricsServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _meter = new Meter(_meterName);
        var config = new PrometheusExporterConfig { Bind = PrometheusExporterConfig.ParseBind("127.0.0.1:0"), Meters = [_meterName] };
        _collector = new MetricsCollector(config);
        _server = new MetricsServer(config, _collector);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _collector.Dispose();
        _meter.Dispose();
        _http.Dispose();
    }

    [Fact]
    public void The_server_binds_the_configured_address_on_an_ephemeral_port()
    {
        Assert.Equal(IPAddress.Loopback, _server.BoundEndPoint!.Address);
        Assert.NotEqual(0, _server.BoundEndPoint.Port);
    }

    [Fact]
    public async Task Healthz_answers_200_while_the_process_serves()
    {
        var response = await _http.GetAsync(new Uri(_server.BaseAddress, "healthz"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_is_200_only_when_every_check_passes_and_lists_the_failing_ones()
    {
        bool partitionsAssigned = false;
        _server.AddReadinessCheck("partitions", () => partitionsAssigned ? ReadinessResult.Ready : ReadinessResult.NotReady("no partitions assigned"));
        _server.AddReadinessCheck("stores", () => ReadinessResult.Ready);

        var notReady = await _http.GetAsync(new Uri(_server.BaseAddress, "readyz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        string body = await notReady.Content.ReadAsStringAsync();
        Assert.Contains("partitions: no partitions assigned", body);
        Assert.DoesNotContain("stores", body);

        partitionsAssigned = true;
        var ready = await _http.GetAsync(new Uri(_server.BaseAddress, "readyz"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task A_readiness_check_that_throws_counts_as_failing_without_its_message()
    {
        _server.AddReadinessCheck("sink", () => throw new InvalidOperationException("password=hunter2"));
        var response = await _http.GetAsync(new Uri(_server.BaseAddress, "readyz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains("sink: check threw InvalidOperationException", body);
        Assert.DoesNotContain("hunter2", body);
    }

    [Fact]
    public async Task Metrics_are_text_004_by_default_and_OpenMetrics_when_asked()
    {
        _meter.CreateCounter<long>("served_total").Add(3);

        var plain = await _http.GetAsync(new Uri(_server.BaseAddress, "metrics"));
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", plain.Content.Headers.ContentType!.ToString());
        Assert.Contains("served_total 3\n", await plain.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress, "metrics"));
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        var om = await _http.SendAsync(request);
        Assert.StartsWith("application/openmetrics-text", om.Content.Headers.ContentType!.ToString());
        Assert.EndsWith("# EOF\n", await om.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_paths_are_404()
    {
        var response = await _http.GetAsync(new Uri(_server.BaseAddress, "nope"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("0.0.0.0:9464", "0.0.0.0", 9464)]
    [InlineData("[::]:9464", "::", 9464)]
    [InlineData("localhost:0", "127.0.0.1", 0)]
    public void Bind_addresses_parse(string value, string address, int port)
    {
        var ep = PrometheusExporterConfig.ParseBind(value);
        Assert.Equal(IPAddress.Parse(address), ep.Address);
        Assert.Equal(port, ep.Port);
    }

    [Theory]
    [InlineData("metrics.bind", "example.com:9464")]
    [InlineData("metrics.bind", "9464")]
    [InlineData("metrics.cardinality.limit", "0")]
    [InlineData("metrics.histogram.buckets.x", "1,abc")]
    public void Invalid_exporter_settings_name_the_key(string key, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => PrometheusExporterConfig.FromProperties(new Dictionary<string, string> { [key] = value }));
        Assert.Contains(key, e.Message);
    }
}
