using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>A transmitter that sends nothing and counts what it was given (the warm-up's).</summary>
internal sealed class DiscardTransmitter : ITransmitter
{
    public TransmitKind Kind => TransmitKind.Pcap;

    public TransmitCounters Counters { get; } = new();

    public bool Enqueue(ReadOnlySpan<byte> frame)
    {
        Counters.CountSent(1);
        return true;
    }

    public void Flush() => Counters.CountFlush();

    public void RefreshMtu()
    {
    }

    public void Dispose()
    {
    }
}
