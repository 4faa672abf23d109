using System.Runtime.InteropServices;

namespace LoadBalancer.Bench.Infra;

/// <summary>The few libc calls the traffic generators need: batched send (sendmmsg), raw sockets and short sleeps.</summary>
internal static unsafe partial class Native
{
    /// <summary>AF_INET.</summary>
    public const int AfInet = 2;

    /// <summary>SOCK_RAW.</summary>
    public const int SockRaw = 3;

    /// <summary>IPPROTO_RAW: a raw socket that sends whole IPv4 packets (IP_HDRINCL implied) and receives nothing.</summary>
    public const int IpProtoRaw = 255;

    /// <summary>MSG_DONTWAIT.</summary>
    public const int MsgDontWait = 0x40;

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        /// <summary>iov_base.</summary>
        public void* Base;

        /// <summary>iov_len.</summary>
        public nuint Length;
    }

    /// <summary>struct msghdr (x64/arm64 Linux layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        /// <summary>msg_name.</summary>
        public void* Name;

        /// <summary>msg_namelen.</summary>
        public uint NameLength;

        /// <summary>msg_iov.</summary>
        public IoVec* Iov;

        /// <summary>msg_iovlen.</summary>
        public nuint IovLength;

        /// <summary>msg_control.</summary>
        public void* Control;

        /// <summary>msg_controllen.</summary>
        public nuint ControlLength;

        /// <summary>msg_flags.</summary>
        public int Flags;
    }

    /// <summary>struct mmsghdr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        /// <summary>msg_hdr.</summary>
        public MsgHdr Header;

        /// <summary>msg_len (bytes sent, set by the kernel).</summary>
        public uint Length;
    }

    /// <summary>struct sockaddr_in (port and address in network order).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrIn
    {
        /// <summary>sin_family.</summary>
        public ushort Family;

        /// <summary>sin_port, network order.</summary>
        public ushort Port;

        /// <summary>sin_addr, network order.</summary>
        public uint Address;

        /// <summary>sin_zero.</summary>
        public ulong Zero;
    }

    /// <summary>sendmmsg(2): returns the number of messages sent or -1.</summary>
    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    /// <summary>socket(2).</summary>
    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    /// <summary>close(2).</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>usleep(3): sleeps at least <paramref name="microseconds"/> (the scheduler adds ~50-100 us).</summary>
    [LibraryImport("libc", EntryPoint = "usleep")]
    public static partial int USleep(uint microseconds);
}
