namespace LoadBalancer.Modes.Pipeline;

/// <summary>What to do with a TCP segment without SYN that matches no tracked flow (e.g. after a restart or an eviction).</summary>
public enum NonSynMissPolicy : byte
{
    /// <summary>Pick the backend by the flow hash (same as for a SYN, so with a consistent selector the flow usually lands where it was) and track it.</summary>
    ReselectViaHash = 0,

    /// <summary>Drop it and count <see cref="Packets.DropReason.NoFlow"/>.</summary>
    Drop = 1,
}
