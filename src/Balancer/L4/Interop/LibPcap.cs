using System.Runtime.InteropServices;
using SharpPcap.LibPcap;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Direct calls into libpcap for what SharpPcap 6.3.1 does not expose or gets wrong.</summary>
public static partial class LibPcap
{
    /// <summary>The shared object name Debian's libpcap0.8 package installs.</summary>
    public const string LibraryName = "libpcap.so.0.8";

    /// <summary>Restricts capture on an open pcap handle to one direction; returns 0 on success.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcap_setdirection")]
    public static partial int SetDirection(IntPtr handle, int direction);

    /// <summary>Reads libpcap's kernel counters for an open handle; returns 0 on success.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcap_stats")]
    public static partial int Stats(IntPtr handle, out PcapStat stats);

    /// <summary>Sends one frame on an open handle; returns 0 on success and -1 on failure (never throws).</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcap_sendpacket")]
    public static unsafe partial int SendPacket(IntPtr handle, byte* frame, int length);

    /// <summary>pcap_next_ex: 1 with a frame, 0 when none is ready (non-blocking mode or timeout), negative on error or break.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcap_next_ex")]
    public static unsafe partial int NextEx(IntPtr handle, IntPtr* header, IntPtr* data);

    /// <summary>pcap_setnonblock: with 1, reads return 0 at once when nothing is queued; returns -1 on failure (text in errbuf).</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcap_setnonblock")]
    public static unsafe partial int SetNonBlock(IntPtr handle, int nonBlock, byte* errorBuffer);

    /// <summary>pcap_fileno: the capture socket of an open live handle.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcap_fileno")]
    public static partial int FileNo(IntPtr handle);

    /// <summary>Returns libpcap's last error text for an open handle.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcap_geterr")]
    public static partial IntPtr GetError(IntPtr handle);

    /// <summary>Returns libpcap's version string, used to probe that the library loads.</summary>
    [LibraryImport(LibraryName, EntryPoint = "pcap_lib_version")]
    public static partial IntPtr LibVersion();

    /// <summary>Restricts an open SharpPcap device to the given capture direction.</summary>
    /// <exception cref="InvalidOperationException">The device is not open or libpcap refused the direction.</exception>
    public static void SetDirection(LibPcapLiveDevice device, PcapDirection direction)
    {
        ArgumentNullException.ThrowIfNull(device);
        var handle = RequireHandle(device);
        if (SetDirection(handle, (int)direction) != 0)
        {
            throw new InvalidOperationException(
                $"pcap_setdirection({direction}) failed on {device.Name}: {LastError(handle)}");
        }
    }

    /// <summary>Reads libpcap's counters for an open SharpPcap device.</summary>
    /// <exception cref="InvalidOperationException">The device is not open or pcap_stats failed.</exception>
    public static PcapStat ReadStats(LibPcapLiveDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var handle = RequireHandle(device);
        if (Stats(handle, out var stats) != 0)
        {
            throw new InvalidOperationException($"pcap_stats failed on {device.Name}: {LastError(handle)}");
        }

        return stats;
    }

    /// <summary>Returns the raw <c>pcap_t*</c> of an open SharpPcap device.</summary>
    /// <remarks>The pointer stays valid only while the device is open; callers must not use it after Close.</remarks>
    public static IntPtr GetHandle(LibPcapLiveDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return RequireHandle(device);
    }

    /// <summary>Returns libpcap's last error text for a raw handle.</summary>
    public static string LastError(IntPtr handle) =>
        Marshal.PtrToStringUTF8(GetError(handle)) ?? "unknown libpcap error";

    private static IntPtr RequireHandle(LibPcapLiveDevice device)
    {
        var handle = device.Handle;
        if (handle.IsInvalid || handle.IsClosed)
        {
            throw new InvalidOperationException($"pcap device {device.Name} is not open");
        }

        return handle.DangerousGetHandle();
    }
}
