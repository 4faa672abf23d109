namespace LoadBalancer.Modes.Flows;

/// <summary>Result of inserting a new flow into the <see cref="ConnectionTable"/>.</summary>
public enum InsertOutcome : byte
{
    /// <summary>The flow was inserted (possibly after evicting an idle one).</summary>
    Inserted = 0,

    /// <summary>Another thread inserted the same flow first; its entry was returned.</summary>
    Existing = 1,

    /// <summary>The table was full and configured to refuse, or no slot could be freed.</summary>
    Refused = 2,

    /// <summary>Full NAT: no source port left for the chosen address.</summary>
    PortsExhausted = 3,

    /// <summary>NAT: a live flow already owns the same reply 5-tuple, so replies would be ambiguous.</summary>
    ReplyCollision = 4,
}
