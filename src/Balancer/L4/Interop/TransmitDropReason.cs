namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Why a transmitter did not send a frame; each one is counted by reason (<c>lb_l4_tx_drops_total{reason}</c>).</summary>
public enum TransmitDropReason
{
    /// <summary>The frame is larger than the interface MTU plus its Ethernet header (or shorter than the header).</summary>
    OverMtu,

    /// <summary>The TX ring or the socket's send buffer was still full after a flush.</summary>
    TxFull,

    /// <summary>The kernel refused the frame for another reason (interface down, ...).</summary>
    SendError,

    /// <summary>The frame was still queued when the transmitter closed and could not be flushed.</summary>
    Stopped,
}
