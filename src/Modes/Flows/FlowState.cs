namespace LoadBalancer.Modes.Flows;

/// <summary>Connection-tracking state of a flow; each state has its own idle timeout.</summary>
public enum FlowState : byte
{
    /// <summary>A TCP SYN was seen, the handshake is not complete.</summary>
    SynSeen = 0,

    /// <summary>A TCP handshake completed (or the flow was re-selected mid-stream).</summary>
    Established = 1,

    /// <summary>A TCP FIN or RST was seen in either direction.</summary>
    Closing = 2,

    /// <summary>A UDP flow.</summary>
    Udp = 3,
}
