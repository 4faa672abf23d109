using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging.Abstractions;
using SharpPcap;
using SharpPcap.LibPcap;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>One interface opened with libpcap: a dedicated zero-allocation receive thread and a never-throwing Send.</summary>
/// <remarks>
/// Open the port on a thread that is in the interface's network namespace; the pcap socket stays bound to that
/// namespace, so the receive thread and callers of <see cref="Send"/> may run anywhere afterwards.
/// </remarks>
public sealed partial class PcapPort : IDisposable
{
    // struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; } on LP64 Linux: timeval is two longs.
    private static readonly int CaplenOffset = 2 * IntPtr.Size;

    private readonly LibPcapLiveDevice _device;
    private readonly IntPtr _handle;
    private readonly IFrameHandler _handler;
    private readonly ILogger _logger;
    private readonly PcapPortOptions _options;
    private Thread? _thread;
    private volatile bool _stopping;
    private volatile bool _disposed;
    private long _framesReceived;
    private long _framesSent;
    private long _sendFailures;
    private long _handlerErrors;
    private int _sendFailureLogged;

    private PcapPort(LibPcapLiveDevice device, PcapPortOptions options, IFrameHandler handler, ILogger logger)
    {
        _device = device;
        _handle = LibPcap.GetHandle(device);
        _options = options;
        _handler = handler;
        _logger = logger;
    }

    /// <summary>True while the pcap handle is open (it stays open after Dispose when the receive thread did not stop).</summary>
    public bool IsHandleOpen => _device.Opened;

    /// <summary>The handler frames are delivered to.</summary>
    public IFrameHandler Handler => _handler;

    /// <summary>Name of the opened interface.</summary>
    public string InterfaceName => _options.InterfaceName;

    /// <summary>The interface's MAC address as libpcap reports it.</summary>
    public PhysicalAddress MacAddress => _device.MacAddress ?? PhysicalAddress.None;

    /// <summary>Opens the interface in the calling thread's network namespace; call <see cref="Start"/> to receive.</summary>
    /// <exception cref="InvalidOperationException">libpcap is missing, the interface does not exist, or the filter is invalid.</exception>
    public static PcapPort Open(PcapPortOptions options, IFrameHandler handler, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        if (!LibPcapProbe.IsAvailable(out var error))
        {
            throw new InvalidOperationException(error);
        }

        // New() enumerates afresh: the cached Instance may have been built in another network namespace.
        var device = LibPcapLiveDeviceList.New().FirstOrDefault(d => d.Name == options.InterfaceName)
            ?? throw new InvalidOperationException($"interface {options.InterfaceName} not found by libpcap");
        try
        {
            device.Open(new DeviceConfiguration
            {
                Mode = options.Promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
                Snaplen = options.Snaplen,
                ReadTimeout = options.ReadTimeoutMilliseconds,
                Immediate = true,
                BufferSize = options.KernelBufferSize,
            });
            if (!string.IsNullOrWhiteSpace(options.Filter))
            {
                device.Filter = options.Filter;
            }

            LibPcap.SetDirection(device, options.Direction);
            SetNonBlocking(device);
            return new PcapPort(device, options, handler, logger ?? NullLogger.Instance);
        }
        catch (PcapException ex)
        {
            device.Close();
            throw new InvalidOperationException($"cannot open {options.InterfaceName}: {ex.Message}", ex);
        }
        catch
        {
            device.Close();
            throw;
        }
    }

    private static unsafe void SetNonBlocking(LibPcapLiveDevice device)
    {
        // The receive loop drains in batches and must not block between two frames with a batch queued for transmit.
        byte* errors = stackalloc byte[256];
        if (LibPcap.SetNonBlock(LibPcap.GetHandle(device), 1, errors) != 0)
        {
            throw new InvalidOperationException($"pcap_setnonblock failed on {device.Name}: {System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)errors)}");
        }
    }

    /// <summary>Joins this port's capture socket to a PACKET_FANOUT group (hash mode with defrag), so members share the interface's frames by flow; 0 asks the kernel for an unused id.</summary>
    /// <returns>The group id (pass it to the other members).</returns>
    /// <exception cref="InvalidOperationException">The kernel refused (e.g. the id is taken by a group of another kind).</exception>
    public unsafe int JoinFanout(int groupId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int fd = LibPcap.FileNo(_handle);
        int flags = Libc.PacketFanoutHash | Libc.PacketFanoutFlagDefrag | (groupId == 0 ? Libc.PacketFanoutFlagUniqueId : 0);
        int value = (groupId & 0xffff) | (flags << 16);
        if (Libc.SetSockOpt(fd, Libc.SolPacket, Libc.PacketFanout, &value, sizeof(int)) != 0)
        {
            throw new InvalidOperationException($"PACKET_FANOUT (group {groupId}) on {_options.InterfaceName} failed: {Libc.LastErrorText()}");
        }

        if (groupId != 0)
        {
            return groupId;
        }

        int current = 0;
        int length = sizeof(int);
        if (Libc.GetSockOpt(fd, Libc.SolPacket, Libc.PacketFanout, &current, ref length) != 0)
        {
            throw new InvalidOperationException($"reading the PACKET_FANOUT group on {_options.InterfaceName} failed: {Libc.LastErrorText()}");
        }

        return current & 0xffff;
    }

    /// <summary>Discards frames captured so far (before the fanout group was complete every member saw every frame); returns how many.</summary>
    public unsafe int DiscardQueued()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IntPtr header = IntPtr.Zero;
        IntPtr data = IntPtr.Zero;
        int discarded = 0;
        while (discarded < 1_000_000 && LibPcap.NextEx(_handle, &header, &data) == 1)
        {
            discarded++;
        }

        return discarded;
    }

    /// <summary>Reads the interface MTU on the capture socket; <paramref name="fallback"/> when that fails or the port is closed.</summary>
    public int ReadMtu(int fallback) =>
        _disposed ? fallback : PacketSocket.ReadMtu(LibPcap.FileNo(_handle), _options.InterfaceName, fallback);

    /// <summary>Sends one frame with pcap_sendpacket without touching this port's counters (the caller counts); false on failure or after dispose.</summary>
    public unsafe bool SendRaw(ReadOnlySpan<byte> frame)
    {
        if (_disposed)
        {
            return false;
        }

        fixed (byte* p = frame)
        {
            return LibPcap.SendPacket(_handle, p, frame.Length) == 0;
        }
    }

    /// <summary>Starts the dedicated receive thread.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_thread is not null)
        {
            throw new InvalidOperationException("port already started");
        }

        _thread = new Thread(ReceiveLoop)
        {
            IsBackground = true,
            Name = $"pcap-rx {_options.InterfaceName}",
        };
        _thread.Start();
    }

    /// <summary>Sends one frame; a failure is counted (and logged once), never thrown.</summary>
    public unsafe bool Send(ReadOnlySpan<byte> frame)
    {
        if (_disposed)
        {
            Interlocked.Increment(ref _sendFailures);
            return false;
        }

        int rc;
        fixed (byte* p = frame)
        {
            rc = LibPcap.SendPacket(_handle, p, frame.Length);
        }

        if (rc == 0)
        {
            Interlocked.Increment(ref _framesSent);
            return true;
        }

        Interlocked.Increment(ref _sendFailures);
        if (Interlocked.Exchange(ref _sendFailureLogged, 1) == 0)
        {
            LogSendFailed(_logger, _options.InterfaceName, frame.Length, LibPcap.LastError(_handle));
        }

        return false;
    }

    /// <summary>Replaces the kernel BPF filter on the live handle (the services or backends changed).</summary>
    public void SetFilter(string filter)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _device.Filter = filter;
    }

    /// <summary>Reads libpcap's kernel counters; all zero once the port is disposed.</summary>
    public PcapStat ReadStats()
    {
        if (_disposed || LibPcap.Stats(_handle, out var stats) != 0)
        {
            return default;
        }

        return stats;
    }

    /// <summary>Returns a snapshot of this port's counters, including pcap_stats.</summary>
    public PcapPortCounters ReadCounters() => new(
        Interlocked.Read(ref _framesReceived),
        Interlocked.Read(ref _framesSent),
        Interlocked.Read(ref _sendFailures),
        Interlocked.Read(ref _handlerErrors),
        ReadStats());

    /// <summary>Stops the receive thread and waits for it to finish; false when it did not stop in time (it is still using the handle).</summary>
    public bool Stop()
    {
        _stopping = true;
        var thread = _thread;
        if (thread is not null && thread != Thread.CurrentThread)
        {
            // The poll timeout bounds the wait: the loop checks for Stop at least that often (plus one batch).
            return thread.Join(TimeSpan.FromMilliseconds(_options.ReadTimeoutMilliseconds * 10 + 1000));
        }

        return true;
    }

    /// <summary>Stops receiving and closes the pcap handle; a receive thread that did not stop in time keeps the handle open (closing it under a running pcap_next_ex would be a use after free).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        bool stopped = Stop();
        _disposed = true;
        if (!stopped)
        {
            LogReceiveThreadStuck(_logger, _options.InterfaceName);
            return;
        }

        _device.Close();
    }

    private unsafe void ReceiveLoop()
    {
        IntPtr header = IntPtr.Zero;
        IntPtr data = IntPtr.Zero;
        var poll = new PollFd { Fd = LibPcap.FileNo(_handle), Events = Libc.PollIn };
        int batch = Math.Max(1, _options.BatchSize);
        while (!_stopping)
        {
            _handler.BeginBatch();
            int frames = 0;
            int rc = 0;
            while (frames < batch)
            {
                rc = LibPcap.NextEx(_handle, &header, &data);
                if (rc != 1)
                {
                    break;
                }

                uint caplen = *(uint*)((byte*)header + CaplenOffset);
                frames++;
                _framesReceived++;
                try
                {
                    _handler.OnFrame(new ReadOnlySpan<byte>((void*)data, (int)caplen));
                }
                catch (Exception ex)
                {
                    CountHandlerError(ex);
                }
            }

            try
            {
                _handler.EndBatch(frames);
            }
            catch (Exception ex)
            {
                CountHandlerError(ex);
            }

            if (rc < 0)
            {
                if (!_stopping)
                {
                    LogReceiveEnded(_logger, _options.InterfaceName, rc, LibPcap.LastError(_handle));
                }

                return;
            }

            if (frames < batch)
            {
                // The handle is non-blocking: wait here for the next frame, bounded so Stop is seen.
                poll.ReturnedEvents = 0;
                Libc.Poll(ref poll, 1, _options.ReadTimeoutMilliseconds);
            }
        }
    }

    private void CountHandlerError(Exception ex)
    {
        // One bad frame must not end capture; count it and log the first occurrence.
        if (Interlocked.Increment(ref _handlerErrors) == 1)
        {
            LogHandlerFailed(_logger, _options.InterfaceName, ex);
        }
    }
}
