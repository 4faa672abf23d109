using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>The libc calls the engine and the tools need that .NET does not expose (AF_PACKET transmit sockets and rings, raw IP-protocol sockets, TUN, setns).</summary>
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

    /// <summary>read(2).</summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nint count);

    /// <summary>ioctl(2) with a <c>struct ifreq</c> argument.</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, ulong request, ref IfReq request2);

    /// <summary>setns(2): moves the calling thread into the namespace the fd refers to.</summary>
    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nsType);

    /// <summary>AF_PACKET.</summary>
    public const int AfPacket = 17;

    /// <summary>SOL_SOCKET.</summary>
    public const int SolSocket = 1;

    /// <summary>SO_SNDTIMEO (struct timeval argument).</summary>
    public const int SoSndTimeo = 21;

    /// <summary>SOL_PACKET: the option level of AF_PACKET sockets.</summary>
    public const int SolPacket = 263;

    /// <summary>PACKET_VERSION.</summary>
    public const int PacketVersion = 10;

    /// <summary>PACKET_TX_RING.</summary>
    public const int PacketTxRing = 13;

    /// <summary>PACKET_LOSS: a bad frame in the TX ring is skipped instead of aborting the whole flush.</summary>
    public const int PacketLoss = 14;

    /// <summary>PACKET_FANOUT.</summary>
    public const int PacketFanout = 18;

    /// <summary>PACKET_QDISC_BYPASS.</summary>
    public const int PacketQdiscBypass = 20;

    /// <summary>TPACKET_V2.</summary>
    public const int TpacketV2 = 1;

    /// <summary>PACKET_FANOUT_HASH: members are chosen by the kernel's flow hash.</summary>
    public const int PacketFanoutHash = 0;

    /// <summary>PACKET_FANOUT_FLAG_UNIQUEID: the kernel picks an unused group id (read it back with getsockopt).</summary>
    public const int PacketFanoutFlagUniqueId = 0x2000;

    /// <summary>PACKET_FANOUT_FLAG_DEFRAG: IP fragments are reassembled before hashing, so all land on one member.</summary>
    public const int PacketFanoutFlagDefrag = 0x8000;

    /// <summary>SIOCGIFMTU ioctl.</summary>
    public const ulong SiocGIfMtu = 0x8921;

    /// <summary>PROT_READ | PROT_WRITE.</summary>
    public const int ProtReadWrite = 0x3;

    /// <summary>MAP_SHARED.</summary>
    public const int MapShared = 0x1;

    /// <summary>MSG_DONTWAIT.</summary>
    public const int MsgDontWait = 0x40;

    /// <summary>POLLIN.</summary>
    public const short PollIn = 0x1;

    /// <summary>EAGAIN errno.</summary>
    public const int EAgain = 11;

    /// <summary>ENOBUFS errno.</summary>
    public const int ENoBufs = 105;

    /// <summary>EMSGSIZE errno.</summary>
    public const int EMsgSize = 90;

    /// <summary>bind(2) with a <c>struct sockaddr_ll</c>.</summary>
    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, in SockAddrLl address, int length);

    /// <summary>setsockopt(2) with an int-sized or struct argument.</summary>
    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    /// <summary>getsockopt(2).</summary>
    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, ref int length);

    /// <summary>mmap(2).</summary>
    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    /// <summary>munmap(2).</summary>
    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static unsafe partial int Munmap(void* address, nuint length);

    /// <summary>sendmmsg(2): returns the number of messages sent, or -1.</summary>
    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static unsafe partial int SendMmsg(int fd, MMsgHdr* messages, uint count, int flags);

    /// <summary>send(2).</summary>
    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static unsafe partial nint Send(int fd, void* buffer, nuint length, int flags);

    /// <summary>poll(2) on one descriptor.</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(ref PollFd fd, nuint count, int timeoutMilliseconds);

    /// <summary>if_nametoindex(3): 0 when the interface does not exist in the calling thread's namespace.</summary>
    [LibraryImport("libc", EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);

    /// <summary>Returns strerror text for the last P/Invoke error.</summary>
    public static string LastErrorText() => Marshal.GetLastPInvokeErrorMessage();
}
