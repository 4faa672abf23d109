namespace LoadBalancer.Modes.Packets;

/// <summary>Offsets and fields of a parsed Ethernet/IPv4 or Ethernet/IPv6 frame; offsets are absolute positions in the buffer.</summary>
public struct PacketView
{
    /// <summary>Offset of the Ethernet header (the frame start).</summary>
    public int L2Offset;

    /// <summary>Ethernet header length: 14, or 18 with one 802.1Q tag.</summary>
    public int L2Length;

    /// <summary>EtherType after any VLAN tag, in host numeric order.</summary>
    public ushort EtherType;

    /// <summary>Offset of the IPv4 (or IPv6) header.</summary>
    public int L3Offset;

    /// <summary>IPv4 header length in bytes (IHL * 4); IPv6: the fixed header plus every extension header.</summary>
    public int IpHeaderLength;

    /// <summary>IPv4 total length (header + payload) from the header, already checked against the captured length; IPv6: 40 + payload length.</summary>
    public int IpTotalLength;

    /// <summary>IP protocol number; IPv6: the upper-layer next header after the extension headers.</summary>
    public byte Protocol;

    /// <summary>IPv4 time to live, or IPv6 hop limit.</summary>
    public byte Ttl;

    /// <summary>IPv4 source address, host numeric order (0 for IPv6).</summary>
    public uint SourceAddress;

    /// <summary>IPv4 destination address, host numeric order (0 for IPv6).</summary>
    public uint DestinationAddress;

    /// <summary>Offset of the transport (or ICMP) header.</summary>
    public int L4Offset;

    /// <summary>Transport source port, host order (0 for ICMP).</summary>
    public ushort SourcePort;

    /// <summary>Transport destination port, host order (0 for ICMP).</summary>
    public ushort DestinationPort;

    /// <summary>TCP flags octet (0 for other protocols).</summary>
    public byte TcpFlags;

    /// <summary>TCP header length in bytes (0 for other protocols).</summary>
    public int TcpHeaderLength;

    /// <summary>ICMP type (0 for other protocols).</summary>
    public byte IcmpType;

    /// <summary>Whether this is an ICMP error whose quoted datagram was parsed into the Inner* fields.</summary>
    public bool IsIcmpError;

    /// <summary>Offset of the quoted (inner) IPv4 header of an ICMP error.</summary>
    public int InnerL3Offset;

    /// <summary>Quoted IPv4 header length in bytes.</summary>
    public int InnerIpHeaderLength;

    /// <summary>Quoted datagram's protocol (TCP or UDP).</summary>
    public byte InnerProtocol;

    /// <summary>Quoted datagram's source address.</summary>
    public uint InnerSourceAddress;

    /// <summary>Quoted datagram's destination address.</summary>
    public uint InnerDestinationAddress;

    /// <summary>Quoted datagram's source port.</summary>
    public ushort InnerSourcePort;

    /// <summary>Quoted datagram's destination port.</summary>
    public ushort InnerDestinationPort;

    /// <summary>Bytes of the ICMP message present in the frame (ICMP header + quote).</summary>
    public int IcmpLength;

    /// <summary>IPv6 source address, host numeric order (0 for IPv4).</summary>
    public UInt128 SourceAddress6;

    /// <summary>IPv6 destination address, host numeric order (0 for IPv4).</summary>
    public UInt128 DestinationAddress6;

    /// <summary>Whether the frame is IPv6 (EtherType 0x86DD).</summary>
    public readonly bool IsIpv6 => EtherType == EthernetHeader.EtherTypeIpv6BigEndianValue;

    /// <summary>Whether the L4 header is TCP with SYN set and ACK clear (a connection opening).</summary>
    public readonly bool IsTcpSynOnly => Protocol == Ipv4Header.ProtocolTcp && (TcpFlags & (TcpHeader.FlagSyn | TcpHeader.FlagAck)) == TcpHeader.FlagSyn;
}
