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
                KernelBufferSize = options.KernelBufferSize,
            });
            if (!string.IsNullOrWhiteSpace(options.Filter))
            {
                device.Filter = options.Filter;
            }

            LibPcap.SetDirection(device, options.Direction);
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

    /// <summary>Stops the receive thread and waits for it to finish.</summary>
    public void Stop()
    {
        _stopping = true;
        var thread = _thread;
        if (thread is not null && thread != Thread.CurrentThread)
        {
            // The read timeout bounds the wait: pcap_next_ex returns at least that often.
            thread.Join(TimeSpan.FromMilliseconds(_options.ReadTimeoutMilliseconds * 10 + 1000));
        }
    }

    /// <summary>Stops receiving and closes the pcap handle.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Stop();
        _disposed = true;
        _device.Close();
    }

    private unsafe void ReceiveLoop()
    {
        IntPtr header = IntPtr.Zero;
        IntPtr data = IntPtr.Zero;
        while (!_stopping)
        {
            int rc = _device.GetNextPacketPointers(ref header, ref data);
            if (rc == 1)
            {
                uint caplen = *(uint*)((byte*)header + CaplenOffset);
                _framesReceived++;
                try
                {
                    _handler.OnFrame(new ReadOnlySpan<byte>((void*)data, (int)caplen));
                }
                catch (Exception ex)
                {
                    // One bad frame must not end capture; count it and log the first occurrence.
                    if (Interlocked.Increment(ref _handlerErrors) == 1)
                    {
                        LogHandlerFailed(_logger, _options.InterfaceName, ex);
                    }
                }
            }
            else if (rc == 0)
            {
                continue;
            }
            else
            {
                if (!_stopping)
                {
                    LogReceiveEnded(_logger, _options.InterfaceName, rc, LibPcap.LastError(_handle));
                }

                return;
            }
        }
    }
}
