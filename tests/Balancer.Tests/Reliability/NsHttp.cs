using System.Net;
using System.Net.Sockets;
using LoadBalancer.Balancer.Tests.NetNs;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>HTTP clients and TCP sockets whose sockets are created inside a lab namespace, so no test traffic ever leaves from the root namespace.</summary>
internal static class NsHttp
{
    /// <summary>A TCP socket created on a thread that joined <paramref name="ns"/> (it stays in that namespace whichever thread uses it).</summary>
    public static Socket NewTcpSocket(string ns) =>
        NetworkNamespace.RunIn(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });

    /// <summary>A UDP socket created inside <paramref name="ns"/>.</summary>
    public static Socket NewUdpSocket(string ns) =>
        NetworkNamespace.RunIn(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));

    /// <summary>An HttpClient whose every connection is a socket made inside <paramref name="ns"/>; only IP literals are accepted as hosts.</summary>
    public static HttpClient Client(string ns, TimeSpan timeout) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectTimeout = timeout,
            ConnectCallback = async (context, ct) =>
            {
                // A host name would need resolving in the root namespace: refuse anything but an address.
                var address = IPAddress.Parse(context.DnsEndPoint.Host);
                var socket = NewTcpSocket(ns);
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            Timeout = timeout,
        };

    /// <summary>GETs <paramref name="url"/> on a new connection (Connection: close); returns the X-Backend header, or null with the error.</summary>
    public static Task<(string? Backend, string? Error)> GetNewConnectionAsync(HttpClient client, string url) => GetAsync(client, url, close: true);

    /// <summary>GETs <paramref name="url"/> (on a pooled kept-alive connection unless <paramref name="close"/>); returns the X-Backend header, or null with the error.</summary>
    public static async Task<(string? Backend, string? Error)> GetAsync(HttpClient client, string url, bool close = false)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = close;
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"HTTP {(int)response.StatusCode}");
            }
            return (response.Headers.TryGetValues("X-Backend", out var v) ? v.Single() : body.Trim(), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (null, e.GetBaseException().Message);
        }
    }
}
