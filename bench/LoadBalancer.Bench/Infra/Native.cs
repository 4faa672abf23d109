using System.Runtime.InteropServices;

namespace LoadBalancer.Bench.Infra;

/// <summary>What the traffic generators need beyond the balancer's own libc bindings (<c>LoadBalancer.Balancer.L4.Interop.Libc</c>: socket, close, sendmmsg and the mmsghdr/iovec layouts): a raw-IP protocol number, an IPv4 address struct and short sleeps.</summary>
internal static unsafe partial class Native
{
    /// <summary>IPPROTO_RAW: a raw socket that sends whole IPv4 packets (IP_HDRINCL implied) and receives nothing.</summary>
    public const int IpProtoRaw = 255;

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

    /// <summary>usleep(3).</summary>
    [LibraryImport("libc", EntryPoint = "usleep")]
    public static partial int USleep(uint microseconds);
}
