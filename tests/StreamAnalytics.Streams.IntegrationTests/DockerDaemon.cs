using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StreamAnalytics.Streams.IntegrationTests;

/// <summary>
/// Whether a Docker daemon answers, asked before any Testcontainers type is touched: Testcontainers' own discovery
/// probes several endpoints and logs as it goes, which on a machine without Docker costs every test run time and noise.
/// </summary>
/// <remarks>
/// Asks the endpoint Testcontainers would use first: <c>DOCKER_HOST</c> (<c>unix://</c> or <c>tcp://</c>), else
/// <c>unix:///var/run/docker.sock</c>. A missing socket file answers no at once; otherwise <c>GET /_ping</c> must return
/// 200 within the timeout. Behind TLS (<c>DOCKER_TLS_VERIFY</c>) a completed connect counts as an answer.
/// </remarks>
internal static class DockerDaemon
{
    public const string DefaultHost = "unix:///var/run/docker.sock";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Asks the daemon of <c>DOCKER_HOST</c> (or the default socket).</summary>
    public static bool Answers(out string reason) =>
        Answers(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : DefaultHost,
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY")), DefaultTimeout, out reason);

    public static bool Answers(string dockerHost, bool tls, TimeSpan timeout, out string reason)
    {
        Socket socket;
        EndPoint endpoint;
        if (dockerHost.StartsWith("unix://", StringComparison.Ordinal))
        {
            string path = dockerHost["unix://".Length..];
            if (!File.Exists(path))
            {
                reason = $"{path} does not exist";
                return false;
            }
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            endpoint = new UnixDomainSocketEndPoint(path);
        }
        else if (dockerHost.StartsWith("tcp://", StringComparison.Ordinal) && Uri.TryCreate(dockerHost, UriKind.Absolute, out Uri? uri))
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            endpoint = new DnsEndPoint(uri.Host, uri.Port);
        }
        else
        {
            reason = $"DOCKER_HOST '{dockerHost}' is neither unix:// nor tcp://";
            return false;
        }

        using (socket)
        using (var cts = new CancellationTokenSource(timeout))
        {
            try
            {
                socket.ConnectAsync(endpoint, cts.Token).AsTask().GetAwaiter().GetResult();
                if (tls)
                {
                    reason = $"{dockerHost} accepts connections (TLS)";
                    return true;
                }
                socket.SendAsync("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, cts.Token)
                    .AsTask().GetAwaiter().GetResult();
                var buffer = new byte[64];
                int read = 0;
                while (read < 12)
                {
                    int n = socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token).AsTask().GetAwaiter().GetResult();
                    if (n == 0) break;
                    read += n;
                }
                string status = Encoding.ASCII.GetString(buffer, 0, read);
                bool ok = status.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || status.StartsWith("HTTP/1.0 200", StringComparison.Ordinal);
                reason = ok ? $"{dockerHost} answered /_ping" : $"{dockerHost} answered /_ping with '{status.Split('\r')[0]}'";
                return ok;
            }
            catch (OperationCanceledException)
            {
                reason = $"{dockerHost} did not answer within {timeout.TotalSeconds:0.#} s";
                return false;
            }
            catch (SocketException e)
            {
                reason = $"{dockerHost}: {e.Message}";
                return false;
            }
        }
    }
}
