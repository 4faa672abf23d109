using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Linux <c>struct ifreq</c> (40 bytes): a 16-byte interface name, then a union of which only the flags are used.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
public unsafe struct IfReq
{
    /// <summary>Interface name, NUL-terminated, at most 15 characters.</summary>
    [FieldOffset(0)]
    public fixed byte Name[16];

    /// <summary>ifr_flags: interface flags (IFF_UP...) or TUN flags (IFF_TUN, IFF_NO_PI) for TUNSETIFF.</summary>
    [FieldOffset(16)]
    public short Flags;

    /// <summary>ifr_mtu: the interface MTU for SIOCGIFMTU (same union as the flags).</summary>
    [FieldOffset(16)]
    public int Mtu;

    /// <summary>Builds a request for the named interface.</summary>
    /// <exception cref="ArgumentException">The name is empty or longer than 15 bytes.</exception>
    public static IfReq ForName(string name)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(name);
        if (bytes.Length is 0 or > 15)
        {
            throw new ArgumentException($"interface name '{name}' must be 1 to 15 characters", nameof(name));
        }

        var req = default(IfReq);
        for (int i = 0; i < bytes.Length; i++)
        {
            req.Name[i] = bytes[i];
        }

        return req;
    }

    /// <summary>Returns the interface name the kernel wrote back.</summary>
    public readonly string GetName()
    {
        fixed (byte* p = Name)
        {
            return Marshal.PtrToStringAnsi((IntPtr)p) ?? string.Empty;
        }
    }
}
