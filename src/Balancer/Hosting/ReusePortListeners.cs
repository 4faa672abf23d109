using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>
/// Kestrel listen sockets bound with SO_REUSEPORT, so a new balancer process binds the same address and port beside a
/// running one (a restart without refused connections); they can be closed first at shutdown so the kernel sends new
/// connections to the other process while this one finishes what it has.
/// </summary>
/// <remarks>
/// Closing a listen socket resets the connections still waiting in its accept queue. To leave nothing there, every
/// socket attaches a one-instruction classic BPF program to its SO_REUSEPORT group that picks the socket at index 1: with
/// two processes that is the one that joined last (the new one), so from the moment it listens the old one receives no
/// new connection; alone in the group, the index is out of range and the kernel falls back to its hash (the only
/// socket). Linux only; elsewhere Kestrel's default socket is used.
/// </remarks>
internal sealed class ReusePortListeners(IReadOnlyCollection<IPEndPoint> saveSyn)
{
    private const int IpProtoTcp = 6;
    private const int TcpSaveSyn = 27;
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private const int SoAttachReusePortCbpf = 51;
    private const ushort BpfRetK = 0x06;
    private const int KestrelBacklog = 512;
    private readonly List<Socket> _sockets = [];
    private readonly Lock _lock = new();

    /// <summary>The SocketTransportOptions.CreateBoundListenSocket replacement.</summary>
    public Socket CreateBoundListenSocket(EndPoint endpoint)
    {
        if (endpoint is not IPEndPoint ip || !OperatingSystem.IsLinux())
        {
            return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            if (saveSyn.Contains(ip))
            {
                // The kernel keeps each accepted connection's SYN headers until read once (ClientAddressFrom: tcp-option).
                socket.SetRawSocketOption(IpProtoTcp, TcpSaveSyn, BitConverter.GetBytes(1));
            }
            socket.Bind(ip);
            // The group program is attached after listen(): before it the socket is in no group yet and the program
            // would be dropped when it joins one. Kestrel calls Listen again; a second listen() only sets the backlog.
            socket.Listen(KestrelBacklog);
            AttachPreferNewest(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        lock (_lock)
        {
            _sockets.Add(socket);
        }
        return socket;
    }

    /// <summary>Closes every listen socket made here: Kestrel's accept loops end, open connections stay.</summary>
    public int CloseAll()
    {
        Socket[] sockets;
        lock (_lock)
        {
            sockets = [.. _sockets];
            _sockets.Clear();
        }
        foreach (var s in sockets)
        {
            s.Dispose();
        }
        return sockets.Length;
    }

    private static unsafe void AttachPreferNewest(Socket socket)
    {
        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }: "return 1".
        var filter = stackalloc ulong[1];
        var f = new Span<byte>(filter, sizeof(ulong));
        MemoryMarshal.Write(f, BpfRetK);
        MemoryMarshal.Write(f[4..], 1u);
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        Span<byte> program = stackalloc byte[2 * IntPtr.Size];
        program.Clear();
        MemoryMarshal.Write(program, (ushort)1);
        MemoryMarshal.Write(program[IntPtr.Size..], (nint)filter);
        socket.SetRawSocketOption(SolSocket, SoAttachReusePortCbpf, program);
    }
}
