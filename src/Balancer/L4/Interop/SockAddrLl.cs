using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Linux <c>struct sockaddr_ll</c> (20 bytes): the link-level address an AF_PACKET socket binds to.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct SockAddrLl
{
    /// <summary>sll_family: AF_PACKET.</summary>
    public ushort Family;

    /// <summary>sll_protocol, network byte order; 0 binds for sending only (the socket receives nothing).</summary>
    public ushort ProtocolBigEndian;

    /// <summary>sll_ifindex: the interface index.</summary>
    public int InterfaceIndex;

    /// <summary>sll_hatype (unused for bind).</summary>
    public ushort HardwareType;

    /// <summary>sll_pkttype (unused for bind).</summary>
    public byte PacketType;

    /// <summary>sll_halen (unused for bind).</summary>
    public byte AddressLength;

    /// <summary>sll_addr (unused for bind).</summary>
    public fixed byte Address[8];
}
