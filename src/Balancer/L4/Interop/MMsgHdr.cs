using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Linux <c>struct mmsghdr</c> on LP64 (64 bytes): a <c>struct msghdr</c> and the bytes sent.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
public unsafe struct MMsgHdr
{
    /// <summary>msg_name: null, the socket is bound to its interface.</summary>
    public void* Name;

    /// <summary>msg_namelen.</summary>
    public uint NameLength;

    /// <summary>msg_iov: the frame's one iovec.</summary>
    public IoVec* Iov;

    /// <summary>msg_iovlen.</summary>
    public nuint IovLength;

    /// <summary>msg_control.</summary>
    public void* Control;

    /// <summary>msg_controllen.</summary>
    public nuint ControlLength;

    /// <summary>msg_flags.</summary>
    public int Flags;

    // struct msghdr is 56 bytes on LP64: msg_flags is followed by 4 bytes of padding, so msg_len sits at offset 56.
    private readonly int _padding;

    /// <summary>msg_len: bytes sent, written by the kernel.</summary>
    public uint Sent;
}
