using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;

namespace LoadBalancer.Balancer.Demo;

/// <summary>A UDP echo server for labs and tests: answers every datagram with "NAME:payload".</summary>
/// <remarks>
/// One socket per local IPv4 address rather than one on 0.0.0.0: a wildcard UDP socket answers from the address the
/// route picks, while a DSR or tunnel backend must answer from the VIP it was asked on (the VIP sits on lo).
/// </remarks>
public sealed class UdpEcho : IDisposable
{
    private readonly List<(Socket Socket, Thread Thread)> _listeners = [];
    private readonly byte[] _prefix;
    private volatile bool _stopping;

    /// <summary>Binds every local IPv4 address and every IPv6 address without a scope (not link-local) on <paramref name="port"/> and starts answering.</summary>
    public UdpEcho(string name, int port)
    {
        _prefix = Encoding.UTF8.GetBytes(name + ":");
        var addresses = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork || (a.AddressFamily == AddressFamily.InterNetworkV6 && a.ScopeId == 0))
            .Distinct();
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 200 };
            socket.Bind(new IPEndPoint(address, port));
            var thread = new Thread(() => Loop(socket)) { IsBackground = true, Name = $"udp-echo {address}" };
            _listeners.Add((socket, thread));
            thread.Start();
        }
    }

    private void Loop(Socket socket)
    {
        var buffer = new byte[65536];
        var reply = new byte[65536 + 64];
        EndPoint remote = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stopping)
        {
            int n;
            try
            {
                n = socket.ReceiveFrom(buffer, ref remote);
            }
            catch (SocketException)
            {
                continue;
            }
            _prefix.CopyTo(reply, 0);
            Buffer.BlockCopy(buffer, 0, reply, _prefix.Length, n);
            socket.SendTo(reply, 0, _prefix.Length + n, SocketFlags.None, remote);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping = true;
        foreach (var (socket, thread) in _listeners)
        {
            thread.Join(1000);
            socket.Dispose();
        }
    }
}
