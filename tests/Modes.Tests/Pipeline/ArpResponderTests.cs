using System.Buffers.Binary;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;
using PacketDotNet;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class ArpResponderTests
{
    [Fact]
    public void TryBuildReply_RequestForVip_BecomesReplyFromBalancerMac()
    {
        byte[] frame = Frames.Arp(ArpOperation.Request, ClientMac, "ff:ff:ff:ff:ff:ff", ClientMac, Client, "00:00:00:00:00:00", Vip);
        byte[] expected = Frames.Arp(ArpOperation.Response, BalancerMac, ClientMac, BalancerMac, Vip, ClientMac, Client);
        Assert.True(ArpResponder.TryBuildReply(frame, BuildSnapshot()));
        Assert.Null(HexDiff.Describe(expected, frame));
    }

    [Fact]
    public void TryBuildReply_RequestForOtherAddress_LeavesFrameAlone()
    {
        byte[] frame = Frames.Arp(ArpOperation.Request, ClientMac, "ff:ff:ff:ff:ff:ff", ClientMac, Client, "00:00:00:00:00:00", "10.0.0.99");
        byte[] copy = (byte[])frame.Clone();
        Assert.False(ArpResponder.TryBuildReply(frame, BuildSnapshot()));
        Assert.Equal(copy, frame);
    }

    [Fact]
    public void TryBuildReply_ReplyFrame_IsNotAnswered()
    {
        byte[] frame = Frames.Arp(ArpOperation.Response, ClientMac, BalancerMac, ClientMac, Client, BalancerMac, Vip);
        Assert.False(ArpResponder.TryBuildReply(frame, BuildSnapshot()));
    }

    [Fact]
    public void TryBuildReply_VlanTaggedRequest_AnsweredWithTagKept()
    {
        byte[] frame = Frames.WithVlan(Frames.Arp(ArpOperation.Request, ClientMac, "ff:ff:ff:ff:ff:ff", ClientMac, Client, "00:00:00:00:00:00", Vip), 9);
        byte[] expected = Frames.WithVlan(Frames.Arp(ArpOperation.Response, BalancerMac, ClientMac, BalancerMac, Vip, ClientMac, Client), 9);
        EthernetAddress.TryParse(BalancerMac, out EthernetAddress mac);
        Assert.True(ArpResponder.TryBuildReply(frame, mac, [Ipv4Address.Parse(Vip)]));
        Assert.Null(HexDiff.Describe(expected, frame));
    }

    [Fact]
    public void BuildGratuitous_Vip_IsBroadcastRequestForItself()
    {
        EthernetAddress.TryParse(BalancerMac, out EthernetAddress mac);
        byte[] frame = new byte[60];
        int length = ArpResponder.BuildGratuitous(frame, mac, Ipv4Address.Parse(Vip));
        var parsed = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, frame[..length]);
        var arp = parsed.Extract<ArpPacket>();
        Assert.Equal(ArpOperation.Request, arp.Operation);
        Assert.Equal(Vip, arp.SenderProtocolAddress.ToString());
        Assert.Equal(Vip, arp.TargetProtocolAddress.ToString());
        Assert.Equal(0xFFFFu, BinaryPrimitives.ReadUInt16BigEndian(frame) | 0u);
    }
}
