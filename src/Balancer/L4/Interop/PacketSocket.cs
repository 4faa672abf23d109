using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>The AF_PACKET socket calls shared by the transmitters: open, bind for sending only, MTU, errno classification.</summary>
public static unsafe class PacketSocket
{
    /// <summary>Ethernet header length (the kernel's hard_header_len for Ethernet).</summary>
    public const int EthernetHeader = 14;

    /// <summary>How long one blocking send may wait for socket buffer space before it fails with EAGAIN.</summary>
    public const int SendTimeoutMilliseconds = 100;

    /// <summary>Opens a SOCK_RAW AF_PACKET socket with protocol 0 (it never receives, so it does not see its own traffic); optional qdisc bypass and a bounded send timeout.</summary>
    /// <exception cref="InvalidOperationException">The socket or an option could not be set up.</exception>
    public static int Open(string interfaceName, bool qdiscBypass)
    {
        int fd = Libc.Socket(Libc.AfPacket, Libc.SockRaw, 0);
        if (fd < 0)
        {
            throw new InvalidOperationException($"socket(AF_PACKET) for {interfaceName} failed: {Libc.LastErrorText()}");
        }

        try
        {
            if (qdiscBypass)
            {
                SetInt(fd, Libc.SolPacket, Libc.PacketQdiscBypass, 1, "PACKET_QDISC_BYPASS", interfaceName);
            }

            // struct timeval { long tv_sec; long tv_usec; }
            long* timeout = stackalloc long[2] { 0, SendTimeoutMilliseconds * 1000 };
            if (Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoSndTimeo, timeout, 16) != 0)
            {
                throw new InvalidOperationException($"SO_SNDTIMEO on {interfaceName} failed: {Libc.LastErrorText()}");
            }

            return fd;
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>Binds the socket to the interface for sending (protocol 0: no receive hook).</summary>
    /// <exception cref="InvalidOperationException">The interface does not exist or bind failed.</exception>
    public static void Bind(int fd, string interfaceName)
    {
        uint index = Libc.IfNameToIndex(interfaceName);
        if (index == 0)
        {
            throw new InvalidOperationException($"interface {interfaceName} not found");
        }

        var address = new SockAddrLl { Family = Libc.AfPacket, InterfaceIndex = (int)index };
        if (Libc.Bind(fd, address, sizeof(SockAddrLl)) != 0)
        {
            throw new InvalidOperationException($"bind(AF_PACKET, {interfaceName}) failed: {Libc.LastErrorText()}");
        }
    }

    /// <summary>Sets an int-valued socket option.</summary>
    /// <exception cref="InvalidOperationException">setsockopt failed.</exception>
    public static void SetInt(int fd, int level, int option, int value, string what, string interfaceName)
    {
        if (Libc.SetSockOpt(fd, level, option, &value, sizeof(int)) != 0)
        {
            throw new InvalidOperationException($"{what} on {interfaceName} failed: {Libc.LastErrorText()}");
        }
    }

    /// <summary>Reads the interface MTU with SIOCGIFMTU on any socket of its namespace; <paramref name="fallback"/> when that fails.</summary>
    public static int ReadMtu(int fd, string interfaceName, int fallback)
    {
        var request = IfReq.ForName(interfaceName);
        return Libc.Ioctl(fd, Libc.SiocGIfMtu, ref request) == 0 && request.Mtu > 0 ? request.Mtu : fallback;
    }

    /// <summary>Why the kernel would refuse this frame on an interface with this MTU, or null when it fits (the kernel allows 4 more bytes for an 802.1Q tag).</summary>
    public static TransmitDropReason? Refuse(ReadOnlySpan<byte> frame, int mtu)
    {
        int limit = mtu + EthernetHeader;
        if (frame.Length >= EthernetHeader + 4 && frame[12] == 0x81 && frame[13] == 0x00)
        {
            limit += 4;
        }

        if (frame.Length > limit)
        {
            return TransmitDropReason.OverMtu;
        }

        return frame.Length < EthernetHeader ? TransmitDropReason.SendError : null;
    }

    /// <summary>Maps a send errno to a drop reason.</summary>
    public static TransmitDropReason Classify(int errno) => errno switch
    {
        Libc.EMsgSize => TransmitDropReason.OverMtu,
        Libc.EAgain or Libc.ENoBufs => TransmitDropReason.TxFull,
        _ => TransmitDropReason.SendError,
    };

    /// <summary>The errno of the last P/Invoke call.</summary>
    public static int LastErrno() => Marshal.GetLastPInvokeError();
}
