using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Linux <c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct IoVec
{
    /// <summary>iov_base.</summary>
    public void* Base;

    /// <summary>iov_len.</summary>
    public nuint Length;
}
