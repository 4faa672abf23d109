using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace LoadBalancer.Modes.Packets;

/// <summary>Helpers for IPv6 addresses held as <see cref="UInt128"/> in host numeric order (2001:db8::1 == 0x20010DB8_00000000_00000000_00000001).</summary>
public static class Ipv6Address
{
    private static readonly UInt128 Loopback = 1;
    private static readonly UInt128 V4MappedPrefix = new(0, 0x0000_FFFF_0000_0000);
    private static readonly UInt128 V4MappedMask = new(ulong.MaxValue, 0xFFFF_FFFF_0000_0000);

    /// <summary>Whether the address may never appear as a source: :: (unspecified), ::1 (loopback), ff00::/8 (multicast), ::ffff:0:0/96 (IPv4-mapped).</summary>
    public static bool IsMartianSource(UInt128 address)
        => address == UInt128.Zero || address == Loopback || (byte)(address >> 120) == 0xFF || (address & V4MappedMask) == V4MappedPrefix;

    /// <summary>Parses IPv6 text (any form <see cref="IPAddress"/> accepts, without a scope); returns false on anything else (control plane and tests).</summary>
    public static bool TryParse(string text, out UInt128 address)
    {
        address = UInt128.Zero;
        if (!IPAddress.TryParse(text, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetworkV6 || ip.ScopeId != 0)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    /// <summary>Parses IPv6 text or throws <see cref="FormatException"/> (control plane and tests only).</summary>
    public static UInt128 Parse(string text)
        => TryParse(text, out UInt128 address) ? address : throw new FormatException($"'{text}' is not an IPv6 address");

    /// <summary>Formats in the RFC 5952 canonical text form.</summary>
    public static string Format(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }
}
