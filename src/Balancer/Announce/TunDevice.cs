using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.Announce;

/// <summary>A non-persistent TUN device: it exists while the descriptor returned by <see cref="Open"/> is open.</summary>
internal static class TunDevice
{
    /// <summary>Creates (or attaches to) the TUN device and returns its descriptor.</summary>
    /// <exception cref="InvalidOperationException">open or TUNSETIFF failed (not root, no CAP_NET_ADMIN, name in use).</exception>
    public static int Open(string name)
    {
        int fd = Libc.Open("/dev/net/tun", Libc.ORdWr | Libc.OCloExec);
        if (fd < 0)
        {
            throw new InvalidOperationException($"L4:Announce: open /dev/net/tun failed: {Libc.LastErrorText()}");
        }

        var request = IfReq.ForName(name);
        request.Flags = Libc.IffTun | Libc.IffNoPi;
        if (Libc.Ioctl(fd, Libc.TunSetIff, ref request) < 0)
        {
            string error = Libc.LastErrorText();
            Libc.Close(fd);
            throw new InvalidOperationException($"L4:Announce:Device: creating TUN device '{name}' failed: {error}");
        }

        return fd;
    }

    /// <summary>Sets IFF_UP on the device (a route through a down device is refused).</summary>
    /// <exception cref="InvalidOperationException">The ioctl failed.</exception>
    public static void BringUp(string name)
    {
        int fd = Libc.Socket(Libc.AfInet, Libc.SockDgram, 0);
        if (fd < 0)
        {
            throw new InvalidOperationException($"socket for SIOCSIFFLAGS failed: {Libc.LastErrorText()}");
        }

        try
        {
            var request = IfReq.ForName(name);
            if (Libc.Ioctl(fd, Libc.SiocGIfFlags, ref request) < 0)
            {
                throw new InvalidOperationException($"L4:Announce:Device: reading the flags of '{name}' failed: {Libc.LastErrorText()}");
            }

            request.Flags |= Libc.IffUp;
            if (Libc.Ioctl(fd, Libc.SiocSIfFlags, ref request) < 0)
            {
                throw new InvalidOperationException($"L4:Announce:Device: bringing '{name}' up failed: {Libc.LastErrorText()}");
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
