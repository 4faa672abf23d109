using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Linux <c>struct tpacket_req</c>: the geometry of a PACKET_TX_RING.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct TpacketReq
{
    /// <summary>tp_block_size: a multiple of the page size.</summary>
    public uint BlockSize;

    /// <summary>tp_block_nr.</summary>
    public uint BlockCount;

    /// <summary>tp_frame_size: a multiple of 16 (TPACKET_ALIGNMENT).</summary>
    public uint FrameSize;

    /// <summary>tp_frame_nr: frames per block times blocks.</summary>
    public uint FrameCount;
}
