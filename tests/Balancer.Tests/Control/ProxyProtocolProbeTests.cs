using System.Buffers;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Health.Probes;
using LoadBalancer.Modes.ProxyProtocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoadBalancer.Balancer.Tests.Control;

/// <summary>
/// Probes of backends that expect a PROXY header send one first, with the probe connection's own addresses. The probes
/// come from the balancer's own registry (<see cref="BackendControl.Probes"/>), which supplies the data plane's header writer.
/// </summary>
public sealed class ProxyProtocolProbeTests
{
    private static IHealthProbe Probe(BackendControl control, string name)
    {
        Assert.True(control.Probes.TryGetProbe(name, out var probe), name);
        return probe;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task TcpProbe_WithProxyProtocol_SendsAHeaderForItsOwnConnection(int version)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        var settings = HttpProbeSettings.Default with { ProxyProtocol = version };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var accept = listener.AcceptSocketAsync(cts.Token);
        await using var control = new BackendControl(TimeProvider.System, NullLoggerFactory.Instance);
        var result = await Probe(control, "tcp").ProbeAsync(new ProbeTarget("web", "b1", endPoint, settings), cts.Token);
        using var server = await accept;
        var received = new MemoryStream();
        var buffer = new byte[256];
        int n;
        try
        {
            while ((n = await server.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            // The probe closes with RST (linger 0) once it has sent the header.
        }

        Assert.True(result.Success, result.ToString());
        var status = ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(received.ToArray()), ProxyProtocolVersions.Any, out var header, out var error);
        Assert.True(status == ProxyParseStatus.Complete, $"{status} {error}: {received.Length} bytes");
        Assert.Equal(version, header.Version);
        Assert.Equal(server.RemoteEndPoint, header.Source);
        Assert.Equal(endPoint, header.Destination);
    }

    [Fact]
    public async Task HttpProbe_WithProxyProtocol_SendsTheHeaderBeforeTheRequest()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var server = Task.Run(async () =>
        {
            using var s = await listener.AcceptSocketAsync(cts.Token);
            var received = new MemoryStream();
            var buffer = new byte[1024];
            while (!received.ToArray().AsSpan().EndsWith("\r\n\r\n"u8))
            {
                var n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    break;
                }
                received.Write(buffer, 0, n);
            }
            await s.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
            return received.ToArray();
        });
        await using var control = new BackendControl(TimeProvider.System, NullLoggerFactory.Instance);
        var probe = Probe(control, "http");

        var result = await probe.ProbeAsync(new ProbeTarget("web", "b1", endPoint, HttpProbeSettings.Default with { ProxyProtocol = 1 }), cts.Token);
        var bytes = await server;

        Assert.True(result.Success, result.ToString());
        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bytes), ProxyProtocolVersions.V1, out var header, out _));
        Assert.StartsWith("GET / HTTP/1.1\r\n", System.Text.Encoding.ASCII.GetString(bytes, header.Length, bytes.Length - header.Length));
    }
}
