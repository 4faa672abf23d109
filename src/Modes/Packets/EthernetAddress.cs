using System.Buffers.Binary;
using System.Globalization;

namespace LoadBalancer.Modes.Packets;

/// <summary>A 48-bit MAC address held in the low bits of a <see cref="ulong"/> (first octet most significant).</summary>
public readonly record struct EthernetAddress(ulong Value)
{
    /// <summary>The all-zero address.</summary>
    public static EthernetAddress Zero => default;

    /// <summary>Reads six octets in wire order.</summary>
    public static EthernetAddress Read(ReadOnlySpan<byte> source)
        => new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));

    /// <summary>Writes six octets in wire order.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    /// <summary>Parses "aa:bb:cc:dd:ee:ff" (or '-' separated); returns false on anything else.</summary>
    public static bool TryParse(string? text, out EthernetAddress address)
    {
        address = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }

        ulong value = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] is not (':' or '-'))
            {
                return false;
            }

            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte octet))
            {
                return false;
            }

            value = (value << 8) | octet;
        }

        address = new EthernetAddress(value);
        return true;
    }

    /// <summary>Formats as "aa:bb:cc:dd:ee:ff".</summary>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{(byte)(Value >> 40):x2}:{(byte)(Value >> 32):x2}:{(byte)(Value >> 24):x2}:{(byte)(Value >> 16):x2}:{(byte)(Value >> 8):x2}:{(byte)Value:x2}");
}
