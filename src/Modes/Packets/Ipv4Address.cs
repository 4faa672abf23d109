using System.Globalization;

namespace LoadBalancer.Modes.Packets;

/// <summary>Helpers for IPv4 addresses held as <see cref="uint"/> in host numeric order (10.0.0.1 == 0x0A000001).</summary>
public static class Ipv4Address
{
    /// <summary>Whether the address may never appear as a source: 0/8, 127/8, 224/4 (multicast), 240/4 (incl. broadcast).</summary>
    public static bool IsMartianSource(uint address)
    {
        uint first = address >> 24;
        return first == 0 || first == 127 || first >= 224;
    }

    /// <summary>Parses dotted-quad text; returns false on anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        int parts = 0;
        bool ended = false;
        while (parts < 4)
        {
            int dot = text.IndexOf('.');
            ReadOnlySpan<char> part = dot < 0 ? text : text[..dot];
            if (part.Length is 0 or > 3 || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out byte octet))
            {
                return false;
            }

            address = (address << 8) | octet;
            parts++;
            if (dot < 0)
            {
                ended = true;
                break;
            }

            text = text[(dot + 1)..];
        }

        return parts == 4 && ended;
    }

    /// <summary>Parses dotted-quad text or throws <see cref="FormatException"/> (control plane and tests only).</summary>
    public static uint Parse(string text)
        => TryParse(text, out uint address) ? address : throw new FormatException($"'{text}' is not an IPv4 address");

    /// <summary>Formats as dotted quad.</summary>
    public static string Format(uint address)
        => string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}");
}
