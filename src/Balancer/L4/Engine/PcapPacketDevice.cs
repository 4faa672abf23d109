using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Packets;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>The production device: a <see cref="PcapPort"/> opened on the interface (inbound only, immediate mode, kernel BPF filter).</summary>
internal sealed class PcapPacketDevice(string interfaceName, string filter, ILogger logger) : IPacketDevice, IFrameHandler
{
    private readonly PcapPort _port = PcapPort.Open(new PcapPortOptions(interfaceName, filter), new Forwarder(), logger);
    private IFrameHandler? _handler;

    public EthernetAddress Mac => EthernetAddress.TryParse(
        string.Join(':', _port.MacAddress.GetAddressBytes().Select(b => b.ToString("x2"))), out var mac) ? mac : default;

    public void Start(IFrameHandler handler)
    {
        _handler = handler;
        ((Forwarder)_port.Handler).Target = this;
        _port.Start();
    }

    public void OnFrame(ReadOnlySpan<byte> frame) => _handler!.OnFrame(frame);

    public bool Send(ReadOnlySpan<byte> frame) => _port.Send(frame);

    public void SetFilter(string filter) => _port.SetFilter(filter);

    public PcapPortCounters ReadCounters() => _port.ReadCounters();

    public void Dispose() => _port.Dispose();

    /// <summary>PcapPort takes its handler at open time; the engine attaches itself at start.</summary>
    private sealed class Forwarder : IFrameHandler
    {
        public IFrameHandler? Target { get; set; }

        public void OnFrame(ReadOnlySpan<byte> frame) => Target?.OnFrame(frame);
    }
}
