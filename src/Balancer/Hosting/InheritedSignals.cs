using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>Takes back signals the balancer handles itself when its parent left them ignored.</summary>
/// <remarks>
/// An ignored disposition is inherited across exec, and .NET keeps an inherited SIG_IGN: under <c>nohup</c> (which
/// ignores SIGHUP) a <see cref="PosixSignalRegistration"/> for SIGHUP never fires, so a reload on SIGHUP (and the
/// access log's reopen) would silently not happen. Reset to the default before registering, the runtime installs its
/// handler; the handlers cancel the default action, so the process still survives a hangup as nohup intends.
/// </remarks>
internal static partial class InheritedSignals
{
    /// <summary>SIGHUP's number on Linux.</summary>
    public const int Hangup = 1;

    /// <summary>SIGUSR1's number on Linux (x86-64 and arm64).</summary>
    public const int User1 = 10;

    private static readonly IntPtr SigDfl = IntPtr.Zero;
    private static readonly IntPtr SigIgn = 1;

    /// <summary>True when the signal's disposition was SIG_IGN and is now the default; false when it was not ignored (or not on Linux).</summary>
    public static bool Unignore(int signal)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        // struct sigaction is 152 bytes on x86-64 and arm64 glibc; the handler is its first field.
        Span<byte> old = stackalloc byte[256];
        unsafe
        {
            fixed (byte* p = old)
            {
                if (Sigaction(signal, IntPtr.Zero, (IntPtr)p) != 0 || *(IntPtr*)p != SigIgn)
                {
                    return false;
                }
            }
        }
        return Signal(signal, SigDfl) == SigIgn;
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int Sigaction(int signal, IntPtr action, IntPtr oldAction);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signal, IntPtr handler);
}
