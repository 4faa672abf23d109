using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Health.Probes;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>The "datapath" probe: a TCP handshake with VIP:port sent through one DSR backend (its MAC, the VIP as destination) or one tunnel backend (wrapped by the engine like client traffic), so a backend whose VIP or decapsulator is not set up fails even though its real address answers.</summary>
internal sealed class DataPathProbe(DataPathRoutes routes) : IHealthProbe
{
    private const int SolSocket = 1;
    private const int SoMark = 36;

    public string Name => HealthProbeRegistry.DataPathProbeName;

    public async ValueTask<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        if (!routes.TryGet(target.PoolName, target.BackendId, out var route))
        {
            return ProbeResult.Fail(ProbeReason.Error, "no data path for this backend (only dsr and tunnel services have one)", Stopwatch.GetElapsedTime(start));
        }
        try
        {
            using var socket = new Socket(route.IsIpv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes(route.Mark));
            socket.NoDelay = true;
            if (route.Tunnel)
            {
                if (routes.Tap is not { } tap)
                {
                    return ProbeResult.Fail(ProbeReason.Error, $"no probe device {TunnelProbeTap.DeviceName} (see the log)", Stopwatch.GetElapsedTime(start));
                }
                // The engine finds the backend by the probe's source port, so the port is known before the SYN leaves.
                socket.Bind(new IPEndPoint(route.IsIpv6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
                var local = (ushort)((IPEndPoint)socket.LocalEndPoint!).Port;
                var backendBytes = IPAddress.Parse(route.Backend).GetAddressBytes();
                if (route.IsIpv6)
                {
                    tap.Register6(local, BinaryPrimitives.ReadUInt128BigEndian(backendBytes));
                }
                else
                {
                    tap.Register(local, BinaryPrimitives.ReadUInt32BigEndian(backendBytes));
                }
            }
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(route.Vip), route.Port), ct).ConfigureAwait(false);
            socket.LingerState = new LingerOption(true, 0);
            return ProbeResult.Ok($"VIP {route.Vip}:{route.Port} answered through {route.Backend}", Stopwatch.GetElapsedTime(start));
        }
        catch (Exception ex)
        {
            return ProbeFailures.Classify(ex, ct, Stopwatch.GetElapsedTime(start));
        }
    }
}
