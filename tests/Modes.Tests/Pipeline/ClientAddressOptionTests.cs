using LoadBalancer.Modes.ClientAddress;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;
using PacketDotNet;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>Full NAT with the client-address option: counters, checksums as PacketDotNet sees them, and the reader on what the writer wrote.</summary>
public class ClientAddressOptionTests
{
    [Theory]
    [InlineData("fullnat-option-syn", ClientAddressOptionOutcome.Added)]
    [InlineData("fullnat-option-syn-incremental", ClientAddressOptionOutcome.Added)]
    [InlineData("fullnat-option-syn-no-options", ClientAddressOptionOutcome.Added)]
    [InlineData("fullnat-option-syn-fills-60", ClientAddressOptionOutcome.Added)]
    [InlineData("fullnat-option-syn-no-space", ClientAddressOptionOutcome.NoOptionSpace)]
    [InlineData("fullnat-option-syn-payload", ClientAddressOptionOutcome.SynPayload)]
    [InlineData("fullnat-option-syn-forged", ClientAddressOptionOutcome.Replaced)]
    [InlineData("fullnat-option-syn-no-headroom", ClientAddressOptionOutcome.NoHeadroom)]
    [InlineData("fullnat-option-syn-bad-own-option", ClientAddressOptionOutcome.Added)]
    public void Process_OptionSyn_CountsOneOutcomeAndNoDrop(string name, ClientAddressOptionOutcome expected)
    {
        (ForwardResult result, L4Processor processor, _) = Run(name);

        Assert.Equal(Verdict.Tx, result.Verdict);
        foreach (ClientAddressOptionOutcome outcome in Enum.GetValues<ClientAddressOptionOutcome>())
        {
            Assert.True((outcome == expected ? 1 : 0) == processor.Counters.GetClientAddressOptions(outcome), $"{name}: {outcome} = {processor.Counters.GetClientAddressOptions(outcome)}");
        }
    }

    [Theory]
    [InlineData("fullnat-option-syn")]
    [InlineData("fullnat-option-syn-incremental")]
    [InlineData("fullnat-option-syn-fills-60")]
    [InlineData("fullnat-option-syn-forged")]
    [InlineData("fullnat-option-syn-bad-own-option")]
    public void Process_OptionSyn_ChecksumsValidAndReaderFindsTheClient(string name)
    {
        (ForwardResult result, _, byte[] buffer) = Run(name);
        byte[] frame = buffer.AsSpan(result.Offset, result.Length).ToArray();

        var ip = (IPv4Packet)Packet.ParsePacket(LinkLayers.Ethernet, frame).PayloadPacket;
        var tcp = (TcpPacket)ip.PayloadPacket;
        Assert.True(ip.ValidIPChecksum, $"{name}: IPv4 header checksum");
        Assert.True(tcp.ValidTcpChecksum, $"{name}: TCP checksum");
        Assert.Equal(ip.HeaderData.Length + (tcp.DataOffset * 4), ip.TotalLength);
        Assert.Equal(TestEnvironment.FullNatSource, ip.SourceAddress.ToString());

        // What the backend's kernel saves for the accepted socket: the IP header and the TCP header.
        ClientAddressParseStatus status = ClientAddressOptionParser.TryParse(frame.AsSpan(14), out uint address, out ushort port);
        Assert.Equal(ClientAddressParseStatus.Found, status);
        Assert.Equal(TestEnvironment.Client, Ipv4Address.Format(address));
        Assert.Equal(TestEnvironment.ClientPort, port);
    }

    [Fact]
    public void Process_OptionOff_SynHasNoOptionAndCountsNothing()
    {
        (ForwardResult result, L4Processor processor, byte[] buffer) = Run("fullnat-tcp-syn");

        Assert.Equal(ClientAddressParseStatus.Absent, ClientAddressOptionParser.TryParse(buffer.AsSpan(result.Offset + 14, result.Length - 14), out _, out _));
        Assert.All(Enum.GetValues<ClientAddressOptionOutcome>(), o => Assert.Equal(0, processor.Counters.GetClientAddressOptions(o)));
    }

    [Fact]
    public void Process_SynRetransmitted_GetsTheOptionAgain()
    {
        GoldenFixture f = GoldenFixtures.All["fullnat-option-syn"];
        (L4Processor processor, _, _) = TestEnvironment.BuildProcessor();
        GoldenFixtureTests.Run(processor, f.Input, f.Headroom, out _);
        ForwardResult again = GoldenFixtureTests.Run(processor, f.Input, f.Headroom, out byte[] buffer);

        Assert.Null(HexDiff.Describe(f.Expected!, buffer.AsSpan(again.Offset, again.Length)));
        Assert.Equal(2, processor.Counters.GetClientAddressOptions(ClientAddressOptionOutcome.Added));
    }

    private static (ForwardResult Result, L4Processor Processor, byte[] Buffer) Run(string name)
    {
        GoldenFixture f = GoldenFixtures.All[name];
        (L4Processor processor, _, _) = TestEnvironment.BuildProcessor();
        foreach (byte[] prelude in f.Prelude)
        {
            GoldenFixtureTests.Run(processor, prelude, 64, out _);
        }

        ForwardResult result = GoldenFixtureTests.Run(processor, f.Input, f.Headroom, out byte[] buffer);
        return (result, processor, buffer);
    }
}
