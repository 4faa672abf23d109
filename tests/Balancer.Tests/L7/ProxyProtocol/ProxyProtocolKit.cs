using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7.ProxyProtocol;

/// <summary>Raw clients, metric reading and real PROXY-speaking servers (nginx, HAProxy) for the PROXY protocol tests.</summary>
internal static class ProxyProtocolKit
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    /// <summary>Full path of a program on PATH or in the sbin directories (nginx and haproxy live in /usr/sbin), or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Opens a TCP connection from <paramref name="localIp"/> to the front, sends <paramref name="prefix"/> then a GET with
    /// Connection: close, and returns everything the balancer answered before closing ("" when it closed without a word).</summary>
    public static async Task<string> RawGetAsync(string front, byte[] prefix, string path = "/echo", string localIp = "127.0.0.1")
    {
        var uri = new Uri(front);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(localIp), 0));
        using var cts = new CancellationTokenSource(Limit);
        await socket.ConnectAsync(IPAddress.Parse(uri.Host), uri.Port, cts.Token);
        var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: close\r\n\r\n");
        try
        {
            // One write: the header and the request arrive together, as they do from a real proxy.
            await socket.SendAsync((byte[])[.. prefix, .. request], SocketFlags.None, cts.Token);
        }
        catch (SocketException)
        {
            return "";
        }
        return await ReadToEndAsync(socket, cts.Token);
    }

    public static async Task<string> ReadToEndAsync(Socket socket, CancellationToken ct)
    {
        var answer = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                answer.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            // A reset after refusing the header: what was read so far is the answer.
        }
        return Encoding.ASCII.GetString(answer.ToArray());
    }

    /// <summary>The value of a response header in a raw HTTP/1.1 answer, or null.</summary>
    public static string? Header(string response, string name)
    {
        var m = Regex.Match(response, $"^{Regex.Escape(name)}: (.*?)\r$", RegexOptions.Multiline | RegexOptions.IgnoreCase);
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>An HTTP client whose connections start from <paramref name="localIp"/> (a loopback address other than 127.0.0.1).</summary>
    public static HttpClient ClientFrom(string localIp) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (ctx, ct) =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            s.Bind(new IPEndPoint(IPAddress.Parse(localIp), 0));
            await s.ConnectAsync(ctx.DnsEndPoint, ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { Timeout = Limit };

    /// <summary>lb_proxy_protocol_rejected_total for one listener and reason, read from the admin endpoint.</summary>
    public static async Task<double> RejectedAsync(BalancerFixture f, string reason, string listener = "http://127.0.0.1:0")
    {
        var text = await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics");
        var m = Regex.Match(text, $"^lb_proxy_protocol_rejected_total\\{{listener=\"{Regex.Escape(listener)}\",reason=\"{reason}\"\\}} (\\S+)$", RegexOptions.Multiline);
        Assert.True(m.Success, $"no lb_proxy_protocol_rejected_total series for {listener} {reason}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>, or fails with the server's log.</summary>
    public static async Task WaitListeningAsync(int port, Process process, string logPath)
    {
        var up = await Poll.TryUntilAsync(async () =>
        {
            if (process.HasExited)
            {
                return true;
            }
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await s.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, Limit);
        if (!up || process.HasExited)
        {
            throw new InvalidOperationException($"server on port {port} did not start: {(File.Exists(logPath) ? File.ReadAllText(logPath) : "(no log)")}");
        }
    }
}

/// <summary>A real server started by the test from its temp dir (nginx in the foreground, HAProxy with -db), stopped by its PID.</summary>
internal sealed class PeerServer : IAsyncDisposable
{
    private readonly Process _process;

    private PeerServer(Process process, int port, string logPath)
    {
        _process = process;
        Port = port;
        LogPath = logPath;
    }

    public int Port { get; }

    public string LogPath { get; }

    /// <summary>nginx answering every request with <c>$proxy_protocol_addr $proxy_protocol_port</c>, on a <c>proxy_protocol</c> listener; it logs the same to access.log.</summary>
    public static async Task<PeerServer> StartNginxAsync(string nginx, TempDir dir)
    {
        var port = ProxyProtocolKit.FreePort();
        var d = dir.Path;
        var conf = dir.File("nginx.conf", $$"""
            daemon off;
            master_process off;
            pid {{d}}/nginx.pid;
            error_log {{d}}/error.log info;
            events { worker_connections 64; }
            http {
              log_format pp '$proxy_protocol_addr $remote_addr';
              access_log {{d}}/access.log pp;
              client_body_temp_path {{d}}/body; proxy_temp_path {{d}}/proxy; fastcgi_temp_path {{d}}/fastcgi;
              uwsgi_temp_path {{d}}/uwsgi; scgi_temp_path {{d}}/scgi;
              server {
                listen 127.0.0.1:{{port}} proxy_protocol;
                location / { default_type text/plain; return 200 "$proxy_protocol_addr $proxy_protocol_port\n"; }
              }
            }
            """);
        return await StartAsync(nginx, ["-p", d, "-c", conf], port, Path.Combine(d, "error.log"));
    }

    /// <summary>HAProxy answering every request with the client address it took from the PROXY header (<c>accept-proxy</c>).</summary>
    public static async Task<PeerServer> StartHaproxyAcceptAsync(string haproxy, TempDir dir)
    {
        var port = ProxyProtocolKit.FreePort();
        var conf = dir.File("haproxy-accept.cfg", $$"""
            defaults
              mode http
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend fe
              bind 127.0.0.1:{{port}} accept-proxy
              http-request return status 200 content-type text/plain lf-string "%[src]\n"

            """);
        return await StartAsync(haproxy, ["-db", "-f", conf], port, Path.Combine(dir.Path, "haproxy-accept.log"));
    }

    /// <summary>HAProxy in TCP mode in front of the balancer, sending it PROXY v2 (<c>send-proxy-v2</c>).</summary>
    public static async Task<PeerServer> StartHaproxySendAsync(string haproxy, TempDir dir, int balancerPort)
    {
        var port = ProxyProtocolKit.FreePort();
        var conf = dir.File("haproxy-send.cfg", $$"""
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend fe
              bind 127.0.0.1:{{port}}
              default_backend balancer
            backend balancer
              server lb 127.0.0.1:{{balancerPort}} send-proxy-v2

            """);
        return await StartAsync(haproxy, ["-db", "-f", conf], port, Path.Combine(dir.Path, "haproxy-send.log"));
    }

    private static async Task<PeerServer> StartAsync(string program, string[] args, int port, string logPath)
    {
        var process = ProcessRunner.StartLogged(program, args, logPath + ".out");
        var server = new PeerServer(process, port, logPath);
        try
        {
            await ProxyProtocolKit.WaitListeningAsync(port, process, logPath + ".out");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
