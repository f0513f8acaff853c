using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StreamAnalytics.Streams.IntegrationTests;

public class DockerDaemonTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_missing_socket_file_is_no_daemon()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-docker-{Guid.NewGuid():N}.sock");
        Assert.False(DockerDaemon.Answers("unix://" + path, tls: false, Timeout, out string reason));
        Assert.Contains("does not exist", reason);
    }

    [Fact]
    public void A_socket_that_answers_ping_with_200_is_a_daemon()
    {
        using var daemon = FakeDaemon.OnUnixSocket("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
        Assert.True(DockerDaemon.Answers(daemon.Host, tls: false, Timeout, out string reason), reason);
    }

    [Fact]
    public void A_tcp_daemon_is_asked_the_same_way()
    {
        using var daemon = FakeDaemon.OnTcp("HTTP/1.0 200 OK\r\n\r\nOK");
        Assert.True(DockerDaemon.Answers(daemon.Host, tls: false, Timeout, out string reason), reason);
    }

    [Fact]
    public void Another_status_is_no_daemon_and_the_reason_quotes_it()
    {
        using var daemon = FakeDaemon.OnUnixSocket("HTTP/1.1 500 Internal Server Error\r\n\r\n");
        Assert.False(DockerDaemon.Answers(daemon.Host, tls: false, Timeout, out string reason));
        Assert.Contains("500 Internal Server Error", reason);
    }

    [Fact]
    public void A_socket_that_accepts_and_never_answers_is_given_up_on()
    {
        using var daemon = FakeDaemon.OnUnixSocket(reply: null);
        Assert.False(DockerDaemon.Answers(daemon.Host, tls: false, TimeSpan.FromMilliseconds(300), out string reason));
        Assert.Contains("did not answer", reason);
    }

    [Fact]
    public void A_docker_host_of_another_scheme_is_no_daemon()
    {
        Assert.False(DockerDaemon.Answers("npipe:////./pipe/docker_engine", tls: false, Timeout, out string reason));
        Assert.Contains("neither unix:// nor tcp://", reason);
    }

    /// <summary>Accepts one connection, reads the request and writes <c>reply</c> (or holds the connection open when null).</summary>
    private sealed class FakeDaemon : IDisposable
    {
        private readonly Socket _listener;
        private readonly string? _socketPath;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serve;

        private FakeDaemon(Socket listener, string host, string? socketPath, string? reply)
        {
            _listener = listener;
            _socketPath = socketPath;
            Host = host;
            _serve = Task.Run(() => ServeAsync(reply));
        }

        public string Host { get; }

        public static FakeDaemon OnUnixSocket(string? reply)
        {
            string path = Path.Combine(Path.GetTempPath(), $"fake-docker-{Guid.NewGuid():N}.sock");
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            return new FakeDaemon(listener, "unix://" + path, path, reply);
        }

        public static FakeDaemon OnTcp(string? reply)
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            return new FakeDaemon(listener, $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}", null, reply);
        }

        private async Task ServeAsync(string? reply)
        {
            try
            {
                using Socket client = await _listener.AcceptAsync(_stop.Token);
                var request = new byte[1024];
                await client.ReceiveAsync(request, SocketFlags.None, _stop.Token);
                if (reply is null)
                {
                    await Task.Delay(System.Threading.Timeout.Infinite, _stop.Token);
                    return;
                }
                await client.SendAsync(Encoding.ASCII.GetBytes(reply), SocketFlags.None, _stop.Token);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (OperationCanceledException)
            {
                // disposed
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { _serve.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
            _listener.Dispose();
            if (_socketPath is not null) File.Delete(_socketPath);
            _stop.Dispose();
        }
    }
}
