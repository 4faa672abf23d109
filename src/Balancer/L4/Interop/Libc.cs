using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>The few libc calls the tools need that .NET does not expose (raw IP-protocol sockets, TUN, setns).</summary>
public static partial class Libc
{
    /// <summary>AF_INET.</summary>
    public const int AfInet = 2;

    /// <summary>SOCK_RAW.</summary>
    public const int SockRaw = 3;

    /// <summary>SOCK_DGRAM.</summary>
    public const int SockDgram = 2;

    /// <summary>IP protocol number of IP-in-IP (IPPROTO_IPIP).</summary>
    public const int IpProtoIpip = 4;

    /// <summary>CLONE_NEWNET: the namespace type passed to setns for network namespaces.</summary>
    public const int CloneNewNet = 0x40000000;

    /// <summary>O_RDWR.</summary>
    public const int ORdWr = 2;

    /// <summary>O_CLOEXEC.</summary>
    public const int OCloExec = 0x80000;

    /// <summary>TUNSETIFF ioctl: _IOW('T', 202, int).</summary>
    public const ulong TunSetIff = 0x400454ca;

    /// <summary>SIOCGIFFLAGS ioctl.</summary>
    public const ulong SiocGIfFlags = 0x8913;

    /// <summary>SIOCSIFFLAGS ioctl.</summary>
    public const ulong SiocSIfFlags = 0x8914;

    /// <summary>IFF_TUN: layer-3 device without an Ethernet header.</summary>
    public const short IffTun = 0x0001;

    /// <summary>IFF_NO_PI: no 4-byte packet-information prefix on each packet.</summary>
    public const short IffNoPi = 0x1000;

    /// <summary>IFF_UP interface flag.</summary>
    public const short IffUp = 0x1;

    /// <summary>EINTR errno.</summary>
    public const int EIntr = 4;

    /// <summary>socket(2).</summary>
    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    /// <summary>open(2).</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    /// <summary>close(2).</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>write(2).</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nint count);

    /// <summary>ioctl(2) with a <c>struct ifreq</c> argument.</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, ulong request, ref IfReq request2);

    /// <summary>setns(2): moves the calling thread into the namespace the fd refers to.</summary>
    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nsType);

    /// <summary>Returns strerror text for the last P/Invoke error.</summary>
    public static string LastErrorText() => Marshal.GetLastPInvokeErrorMessage();
}
