namespace LoadBalancer.Modes.Forwarding;

/// <summary>Looks forwarding modes up by their config name.</summary>
public static class ForwardingModeRegistry
{
    private static readonly IForwardingMode[] s_all =
    [
        NatForwardingMode.Instance,
        FullNatForwardingMode.Instance,
        IpipForwardingMode.Instance,
        DsrForwardingMode.Instance,
    ];

    /// <summary>Every mode, in a fixed order.</summary>
    public static IReadOnlyList<IForwardingMode> All => s_all;

    /// <summary>The mode of a kind.</summary>
    public static IForwardingMode Get(ForwardingModeKind kind)
    {
        foreach (IForwardingMode candidate in s_all)
        {
            if (candidate.Kind == kind)
            {
                return candidate;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a forwarding mode");
    }

    /// <summary>Finds a mode by name (case-insensitive); "ipip" is accepted as an alias of "tunnel".</summary>
    public static bool TryGet(string? name, out IForwardingMode mode)
    {
        if (string.Equals(name, "ipip", StringComparison.OrdinalIgnoreCase))
        {
            name = "tunnel";
        }

        foreach (IForwardingMode candidate in s_all)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                mode = candidate;
                return true;
            }
        }

        mode = NatForwardingMode.Instance;
        return false;
    }
}
