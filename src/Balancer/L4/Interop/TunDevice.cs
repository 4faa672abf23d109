namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>
/// A non-persistent TUN device without packet-information headers, brought up: it exists while this object's
/// descriptor is open and disappears (with every route through it) when it is disposed or the process dies.
/// Used by VIP announcement, the decapsulator and the tunnel data-path probe.
/// </summary>
internal sealed class TunDevice : IDisposable
{
    private int _fd;

    private TunDevice(string name, int fd)
    {
        Name = name;
        _fd = fd;
    }

    /// <summary>The device name.</summary>
    public string Name { get; }

    /// <summary>The descriptor packets are read from and written to; -1 once disposed.</summary>
    public int Fd => _fd;

    /// <summary>Creates (or attaches to) the device and sets it up (a route through a down device is refused).</summary>
    /// <exception cref="InvalidOperationException">open, TUNSETIFF or SIOCSIFFLAGS failed (not root, no CAP_NET_ADMIN, name in use).</exception>
    public static TunDevice Open(string name)
    {
        int fd = Libc.Open("/dev/net/tun", Libc.ORdWr | Libc.OCloExec);
        if (fd < 0)
        {
            throw new InvalidOperationException($"open /dev/net/tun failed: {Libc.LastErrorText()}");
        }

        var device = new TunDevice(name, fd);
        try
        {
            var request = IfReq.ForName(name);
            request.Flags = Libc.IffTun | Libc.IffNoPi;
            if (Libc.Ioctl(fd, Libc.TunSetIff, ref request) < 0)
            {
                throw new InvalidOperationException($"creating TUN device '{name}' failed: {Libc.LastErrorText()}");
            }

            BringUp(name);
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>Closes the descriptor (idempotent): the kernel removes the device.</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Libc.Close(fd);
        }
    }

    private static void BringUp(string name)
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
                throw new InvalidOperationException($"reading the flags of '{name}' failed: {Libc.LastErrorText()}");
            }

            request.Flags |= Libc.IffUp;
            if (Libc.Ioctl(fd, Libc.SiocSIfFlags, ref request) < 0)
            {
                throw new InvalidOperationException($"bringing '{name}' up failed: {Libc.LastErrorText()}");
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
