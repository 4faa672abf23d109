using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Linux <c>struct pollfd</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PollFd
{
    /// <summary>fd.</summary>
    public int Fd;

    /// <summary>events requested.</summary>
    public short Events;

    /// <summary>revents returned.</summary>
    public short ReturnedEvents;
}
