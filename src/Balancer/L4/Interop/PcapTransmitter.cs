namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Today's path kept selectable: pcap_sendpacket on a capture handle, one send() per frame; nothing is queued.</summary>
public sealed unsafe class PcapTransmitter : ITransmitter
{
    private readonly PcapPort _port;
    private volatile int _mtu;

    /// <summary>Sends through <paramref name="port"/>'s pcap handle (the port must outlive this transmitter).</summary>
    public PcapTransmitter(PcapPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        _port = port;
        _mtu = port.ReadMtu(1500);
    }

    /// <inheritdoc />
    public TransmitKind Kind => TransmitKind.Pcap;

    /// <inheritdoc />
    public TransmitCounters Counters { get; } = new();

    /// <inheritdoc />
    public bool Enqueue(ReadOnlySpan<byte> frame)
    {
        if (PacketSocket.Refuse(frame, _mtu) is { } reason)
        {
            Counters.CountDrop(reason);
            return false;
        }

        Counters.CountFlush();
        if (_port.SendRaw(frame))
        {
            Counters.CountSent(1);
            return true;
        }

        Counters.CountDrop(TransmitDropReason.SendError);
        return false;
    }

    /// <inheritdoc />
    public void Flush()
    {
    }

    /// <inheritdoc />
    public void RefreshMtu() => _mtu = _port.ReadMtu(_mtu);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
