using System.Net;
using System.Net.Sockets;
using System.Text;
using StreamAnalytics.Cli.Commands;

namespace StreamAnalytics.Cli.Tests.Commands;

public class ProbeCommandTests
{
    [Theory]
    [InlineData(null, false, "http://127.0.0.1:9464/readyz")]
    [InlineData("0.0.0.0:9500", false, "http://127.0.0.1:9500/readyz")]
    [InlineData("127.0.0.2:9464", true, "http://127.0.0.2:9464/healthz")]
    [InlineData("[::]:9464", false, "http://[::1]:9464/readyz")]
    public void The_default_url_follows_metrics_bind_and_a_wildcard_means_loopback(string? bind, bool live, string expected) =>
        Assert.Equal(expected, ProbeCommand.DefaultUrl(bind, live));

    [Fact]
    public async Task A_200_is_healthy_a_503_is_not_and_its_reason_is_reported()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            foreach (string answer in new[] { "200 OK\r\n\r\nready", "503 Service Unavailable\r\n\r\nkafka: no partitions assigned yet" })
            {
                using var client = await listener.AcceptTcpClientAsync();
                using var stream = client.GetStream();
                var buffer = new byte[4096];
                _ = await stream.ReadAsync(buffer);
                byte[] body = Encoding.ASCII.GetBytes(answer.Split("\r\n\r\n")[1]);
                byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 {answer.Split("\r\n")[0]}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head);
                await stream.WriteAsync(body);
            }
        });

        var ok = await ProbeCommand.ProbeAsync($"http://127.0.0.1:{port}/readyz", TimeSpan.FromSeconds(10), CancellationToken.None);
        var notReady = await ProbeCommand.ProbeAsync($"http://127.0.0.1:{port}/readyz", TimeSpan.FromSeconds(10), CancellationToken.None);
        await server;

        Assert.True(ok.Ok, ok.Message);
        Assert.False(notReady.Ok);
        Assert.Contains("503", notReady.Message);
        Assert.Contains("no partitions assigned yet", notReady.Message);
    }

    [Fact]
    public async Task Nothing_listening_is_unhealthy_with_a_hint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // the port is now closed

        var (ok, message) = await ProbeCommand.ProbeAsync($"http://127.0.0.1:{port}/readyz", TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.False(ok);
        Assert.Contains("unreachable", message);
    }
}
