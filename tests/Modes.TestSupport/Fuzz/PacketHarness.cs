using System.Buffers.Binary;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Fuzz;

/// <summary>
/// The `packet` fuzz target: feeds frames through <see cref="PacketParser"/>, <see cref="ArpResponder"/> and an
/// <see cref="L4Processor"/> over the golden-fixture snapshot (a NAT, full NAT, tunnel and DSR service for TCP and UDP
/// each, plus strict, incremental-checksum, fixed-MSS and empty services) and a small connection table.
/// </summary>
/// <remarks>
/// Input layout: byte 0 is a control byte, then up to <see cref="MaxFrames"/> frames, each a big-endian 16-bit length
/// followed by that many bytes (the last frame takes what is left when the data is short). Frames run in order through
/// one processor, so a SYN frame can create the flow a later reply or data frame belongs to.
/// Control byte: bit 0 ingress interface (client or backend side); bits 1-2 clock advance between frames (none, 1 s,
/// 31 s, 16 min: reaches every table timeout; the two longer steps also sweep the table); bit 3 table capacity (2 instead of 64: table-full paths, refusing new
/// flows when bit 1 is set too, else evicting);
/// bits 4-6 headroom before the frame (20, 0, 4, 19, 21, 64, 20, 20); bit 7 tight span (the span handed to the
/// processor starts at the headroom and ends at the frame's last byte, so nothing outside it may be touched).
/// Any broken invariant throws <see cref="HarnessFailureException"/>; any other exception is a bug in the data plane.
/// </remarks>
internal static class PacketHarness
{
    /// <summary>At most this many frames are taken from one input.</summary>
    public const int MaxFrames = 4;

    /// <summary>Sentinel bytes on each side of the region the processor may write.</summary>
    public const int Guard = 32;

    /// <summary>Bytes before the frame the tunnel mode may use.</summary>
    public const int AllowedHeadroom = L4Processor.TunnelHeadroom;

    private const byte SentinelByte = 0xA5;
    private static readonly int[] s_headrooms = [20, 0, 4, 19, 21, 64, 20, 20];
    private static readonly TimeSpan[] s_advances = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(31), TimeSpan.FromMinutes(16)];
    private static readonly L4Snapshot s_snapshot = TestEnvironment.BuildSnapshot();

    /// <summary>Runs one fuzz input; returns the processor's result for each frame.</summary>
    public static IReadOnlyList<ForwardResult> Run(ReadOnlySpan<byte> data)
    {
        var results = new List<ForwardResult>(MaxFrames);
        if (data.IsEmpty)
        {
            return results;
        }

        byte control = data[0];
        int ingress = (control & 1) == 0 ? TestEnvironment.ClientInterface : TestEnvironment.BackendInterface;
        TimeSpan advance = s_advances[(control >> 1) & 3];
        int capacity = (control & 8) == 0 ? 64 : 2;
        TableFullBehavior whenFull = capacity == 2 && (control & 2) != 0 ? TableFullBehavior.RefuseNew : TableFullBehavior.EvictOldestIdle;
        int headroom = s_headrooms[(control >> 4) & 7];
        bool tight = (control & 0x80) != 0;

        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = capacity, WhenFull = whenFull }, time);
        var processor = new L4Processor(new L4SnapshotSource(s_snapshot), table, new DataPlaneCounters(), TestEnvironment.FirstIpId);

        ReadOnlySpan<byte> rest = data[1..];
        for (int i = 0; i < MaxFrames && !rest.IsEmpty; i++)
        {
            ReadOnlySpan<byte> frame;
            if (rest.Length < 2)
            {
                frame = rest;
                rest = default;
            }
            else
            {
                int declared = BinaryPrimitives.ReadUInt16BigEndian(rest);
                rest = rest[2..];
                int take = Math.Min(declared, rest.Length);
                frame = rest[..take];
                rest = rest[take..];
            }

            CheckParser(frame);
            CheckArp(frame);
            results.Add(CheckProcessor(processor, frame, headroom, tight, ingress));
            if (table.Count > table.SlotCount)
            {
                throw new HarnessFailureException($"table holds {table.Count} flows in {table.SlotCount} slots");
            }

            time.Advance(advance);
            if (advance > TimeSpan.FromSeconds(1) && table.Sweep(time.GetTimestamp()) < 0)
            {
                throw new HarnessFailureException("sweep removed a negative number of flows");
            }
        }

        return results;
    }

    /// <summary>The control byte that reproduces a golden fixture's buffer: client ingress, and a tight span without headroom when the fixture has less than the tunnel needs.</summary>
    public static byte ControlFor(GoldenFixture fixture) => fixture.Headroom >= AllowedHeadroom ? (byte)0 : (byte)0x90;

    /// <summary>Splits a list of frames into the input layout <see cref="Run"/> reads.</summary>
    public static byte[] Encode(byte control, IReadOnlyList<byte[]> frames)
    {
        var output = new List<byte> { control };
        foreach (byte[] frame in frames)
        {
            output.Add((byte)(frame.Length >> 8));
            output.Add((byte)frame.Length);
            output.AddRange(frame);
        }

        return [.. output];
    }

    private static void CheckParser(ReadOnlySpan<byte> frame)
    {
        // The parser must also cope with an offset inside a larger buffer and with lengths that overrun it.
        DropReason reason = PacketParser.Parse(frame, 0, frame.Length, out PacketView view);
        CheckDefined(reason);
        if (reason == DropReason.None && (view.L3Offset < 0 || view.L3Offset > frame.Length))
        {
            throw new HarnessFailureException($"parser accepted a frame with L3 offset {view.L3Offset} of {frame.Length}");
        }

        if (reason == DropReason.None && view.IsIpv6 && (view.L4Offset < view.L3Offset + Ipv6Header.Length || view.L4Offset + 8 > frame.Length || view.L3Offset + view.IpTotalLength > frame.Length))
        {
            throw new HarnessFailureException($"parser accepted an IPv6 frame with L4 offset {view.L4Offset}, total length {view.IpTotalLength} of {frame.Length}");
        }

        if (frame.Length > 0)
        {
            CheckDefined(PacketParser.Parse(frame, 1, frame.Length - 1, out _));
            CheckDefined(PacketParser.Parse(frame, 0, frame.Length + 1, out _));
        }
    }

    private static void CheckArp(ReadOnlySpan<byte> frame)
    {
        byte[] buffer = NewBuffer(frame, 0, out int offset);
        bool answered = ArpResponder.TryBuildReply(buffer.AsSpan(offset, frame.Length), s_snapshot);
        CheckGuards(buffer, offset, offset + frame.Length, "ARP responder");
        if (!answered && !buffer.AsSpan(offset, frame.Length).SequenceEqual(frame))
        {
            throw new HarnessFailureException("ARP responder changed a frame it did not answer");
        }
    }

    private static ForwardResult CheckProcessor(L4Processor processor, ReadOnlySpan<byte> frame, int headroom, bool tight, int ingress)
    {
        byte[] buffer = NewBuffer(frame, headroom, out int frameStart);
        int spanStart = tight ? Guard : 0;
        int spanEnd = tight ? frameStart + frame.Length : buffer.Length;
        int offset = frameStart - spanStart;
        ForwardResult r = processor.Process(buffer.AsSpan(spanStart, spanEnd - spanStart), offset, frame.Length, ingress);

        int allowedStart = Math.Max(spanStart, frameStart - AllowedHeadroom);
        CheckGuards(buffer, allowedStart, frameStart + frame.Length, "processor");
        if (!Enum.IsDefined(r.Verdict))
        {
            throw new HarnessFailureException($"undefined verdict {(byte)r.Verdict}");
        }

        CheckDefined(r.Reason);
        switch (r.Verdict)
        {
            case Verdict.Drop when r.Reason == DropReason.None:
                throw new HarnessFailureException("drop without a reason");
            case Verdict.Tx or Verdict.Pass:
                int outStart = spanStart + r.Offset;
                int outEnd = outStart + r.Length;
                if (r.Reason != DropReason.None || r.Length < EthernetHeader.Length || r.Offset < 0
                    || outStart < allowedStart || outEnd > frameStart + frame.Length)
                {
                    throw new HarnessFailureException($"{r.Verdict} result {r} lies outside [{allowedStart - spanStart}, {offset + frame.Length}) or is too short");
                }

                if (r.EgressInterfaceIndex != TestEnvironment.ClientInterface && r.EgressInterfaceIndex != TestEnvironment.BackendInterface)
                {
                    throw new HarnessFailureException($"{r.Verdict} to unknown interface {r.EgressInterfaceIndex}");
                }

                break;
        }

        return r;
    }

    private static void CheckDefined(DropReason reason)
    {
        if (!Enum.IsDefined(reason))
        {
            throw new HarnessFailureException($"undefined drop reason {(byte)reason}");
        }
    }

    /// <summary>Lays out [guard][headroom][frame][guard] with the guards and headroom filled with the sentinel byte.</summary>
    internal static byte[] NewBuffer(ReadOnlySpan<byte> frame, int headroom, out int frameStart)
    {
        var buffer = new byte[Guard + headroom + frame.Length + Guard];
        buffer.AsSpan().Fill(SentinelByte);
        frameStart = Guard + headroom;
        frame.CopyTo(buffer.AsSpan(frameStart));
        return buffer;
    }

    /// <summary>Throws when a byte outside [allowedStart, allowedEnd) no longer holds the sentinel.</summary>
    internal static void CheckGuards(byte[] buffer, int allowedStart, int allowedEnd, string who)
    {
        int before = buffer.AsSpan(0, allowedStart).IndexOfAnyExcept(SentinelByte);
        int after = buffer.AsSpan(allowedEnd).IndexOfAnyExcept(SentinelByte);
        if (before >= 0 || after >= 0)
        {
            int at = before >= 0 ? before : allowedEnd + after;
            throw new HarnessFailureException($"{who} wrote byte {at} of the buffer, outside [{allowedStart}, {allowedEnd})");
        }
    }
}
