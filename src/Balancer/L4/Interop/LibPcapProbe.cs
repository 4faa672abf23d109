using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Checks that libpcap can be loaded before anything opens a capture device.</summary>
public static class LibPcapProbe
{
    /// <summary>The message shown when libpcap is missing.</summary>
    public const string MissingMessage = "libpcap not found: install it with `apt-get install -y libpcap0.8`";

    /// <summary>Returns true if libpcap loads; otherwise false and an error telling the user what to install.</summary>
    public static bool IsAvailable(out string error)
    {
        try
        {
            var version = Marshal.PtrToStringUTF8(LibPcap.LibVersion());
            error = string.Empty;
            return version is not null;
        }
        catch (DllNotFoundException)
        {
            error = MissingMessage;
            return false;
        }
        catch (EntryPointNotFoundException ex)
        {
            error = $"libpcap is too old or incomplete: {ex.Message}";
            return false;
        }
    }
}
