using LoadBalancer.Modes.ClientAddress;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Tests.Fuzz;

/// <summary>
/// Fuzz target `client-address`: the bytes are a SYN's headers as the kernel saves them (IP header, TCP header) and go
/// through <see cref="ClientAddressOptionParser"/>; then, behind an Ethernet header, through
/// <see cref="ClientAddressOptionWriter"/> when they parse as a TCP SYN. A crash is an exception, a found option whose
/// bytes are not in the input, a result that changes when bytes are appended after the TCP header, a write outside the
/// 12 bytes of headroom and the frame, or a written option that the parser does not find with the frame's own client.
/// </summary>
public static class ClientAddressOptionHarness
{
    private const int EthernetLength = 14;
    private const int Guard = 32;
    private const byte Sentinel = 0xA5;

    /// <summary>Runs one input; returns the parser's and the writer's outcome (for the replay tally).</summary>
    public static string Run(byte[] data)
    {
        var status = ClientAddressOptionParser.TryParse(data, out uint address, out ushort port);
        if (status == ClientAddressParseStatus.Found && !ContainsOption(data, address, port))
        {
            throw new HarnessFailureException($"found {address:x8}:{port}, which is not in the input");
        }
        if (status != ClientAddressParseStatus.Malformed)
        {
            byte[] longer = [.. data, 254, 10, 0x4C, 0x42, 1, 2, 3, 4, 5, 6];
            var again = ClientAddressOptionParser.TryParse(longer, out uint a2, out ushort p2);
            if (again != status || a2 != address || p2 != port)
            {
                throw new HarnessFailureException($"bytes after the TCP header changed {status} into {again}");
            }
        }
        return $"{status}/{Write(data)}";
    }

    /// <summary>The contract check on a parser result alone, for the test that shows it can fail.</summary>
    internal static void CheckFound(byte[] data, uint address, ushort port)
    {
        if (!ContainsOption(data, address, port))
        {
            throw new HarnessFailureException($"found {address:x8}:{port}, which is not in the input");
        }
    }

    private static string Write(byte[] ipPacket)
    {
        int offset = Guard + ClientAddressOption.InsertedLength;
        byte[] buffer = new byte[offset + EthernetLength + ipPacket.Length + Guard];
        buffer.AsSpan().Fill(Sentinel);
        Span<byte> frame = buffer.AsSpan(offset, EthernetLength + ipPacket.Length);
        frame[..EthernetLength].Clear();
        frame[12] = 0x08;
        ipPacket.CopyTo(frame[EthernetLength..]);
        if (PacketParser.Parse(buffer, offset, frame.Length, out PacketView view) != DropReason.None || !view.IsTcpSynOnly)
        {
            return "not-syn";
        }
        var outcome = ClientAddressOptionWriter.Insert(buffer, in view, frame.Length, out int outOffset, out int outLength);
        int start = outcome == ClientAddressOptionOutcome.Added ? offset - ClientAddressOption.InsertedLength : offset;
        if (outOffset != start || outLength != frame.Length + (offset - start))
        {
            throw new HarnessFailureException($"{outcome}: frame at {outOffset}+{outLength}, expected {start}+{frame.Length + (offset - start)}");
        }
        if (buffer.AsSpan(0, start).ContainsAnyExcept(Sentinel) || buffer.AsSpan(offset + frame.Length).ContainsAnyExcept(Sentinel))
        {
            throw new HarnessFailureException($"{outcome}: wrote outside the frame and its headroom");
        }
        if (outcome is ClientAddressOptionOutcome.Added or ClientAddressOptionOutcome.Replaced)
        {
            var found = ClientAddressOptionParser.TryParse(buffer.AsSpan(outOffset + EthernetLength, outLength - EthernetLength), out uint address, out ushort port);
            if (found != ClientAddressParseStatus.Found || address != view.SourceAddress || port != view.SourcePort)
            {
                throw new HarnessFailureException($"{outcome}: the parser gives {found} {address:x8}:{port}, the frame's client is {view.SourceAddress:x8}:{view.SourcePort}");
            }
        }
        return outcome.ToString();
    }

    private static bool ContainsOption(byte[] data, uint address, ushort port)
    {
        byte[] option = [254, 10, 0x4C, 0x42, (byte)(port >> 8), (byte)port, (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address];
        return data.AsSpan().IndexOf(option) >= 0;
    }
}
