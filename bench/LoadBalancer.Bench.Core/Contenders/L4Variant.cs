using System.Globalization;
using LoadBalancer.Modes.Forwarding;

namespace LoadBalancer.Bench.Contenders;

/// <summary>
/// The engine settings an L4 contender's name asks for, e.g. <c>l4-nat-w2</c> (L4:Workers = 2) or
/// <c>l4-nat-sendmmsg-bypass-b32</c> (L4:Io:Transmit = sendmmsg, L4:Io:QdiscBypass = true, L4:Io:BatchSize = 32).
/// A plain name (<c>l4-nat</c>) asks for nothing: the config then carries no Io or Workers key at all.
/// <c>-router&lt;N&gt;</c> (dsr and tunnel) runs the engine on N balancers behind the lab's BIRD router instead of one
/// balancer on the client's segment (<c>l4-dsr-router2</c>). A <c>6</c> after the mode (<c>l4-nat6</c>, <c>l4-dsr6-w2</c>)
/// runs the same engine on the lab's IPv6 VIP with IPv6 backends.
/// </summary>
/// <param name="Mode">nat, fullnat, tunnel or dsr.</param>
/// <param name="Workers">L4:Workers (1..16), or null.</param>
/// <param name="Transmit">L4:Io:Transmit (ring, sendmmsg or pcap), or null.</param>
/// <param name="QdiscBypass">L4:Io:QdiscBypass, or null.</param>
/// <param name="BatchSize">L4:Io:BatchSize, or null.</param>
/// <param name="Router">Balancers behind the router (1..8), or null for the one balancer on the client's segment.</param>
/// <param name="Ipv6">Whether the services are on the IPv6 VIP (IPv6 backends) instead of the IPv4 one.</param>
public sealed record L4Variant(string Mode, int? Workers = null, string? Transmit = null, bool? QdiscBypass = null, int? BatchSize = null, int? Router = null, bool Ipv6 = false)
{
    /// <summary>Forwarding modes.</summary>
    public static readonly IReadOnlyList<string> Modes = ["nat", "fullnat", "tunnel", "dsr"];

    /// <summary>Transmit kinds.</summary>
    public static readonly IReadOnlyList<string> TransmitKinds = ["ring", "sendmmsg", "pcap"];

    /// <summary>The suffix grammar, for messages.</summary>
    public const string Grammar = "l4-<nat|fullnat|tunnel|dsr>[6][-w<1..16>][-ring|-sendmmsg|-pcap][-bypass][-b<1..1024>][-router<1..8> (dsr, tunnel)]";

    /// <summary>Modes that can run behind the router (their backends answer the client directly, so any balancer can take any flow).</summary>
    public static readonly IReadOnlyList<string> RouterModes = ["dsr", "tunnel"];

    /// <summary>The forwarding mode <see cref="Mode"/> names.</summary>
    public ForwardingModeKind Kind => ForwardingModeRegistry.TryGet(Mode, out var mode) ? mode.Kind : throw new InvalidOperationException($"'{Mode}' is not a forwarding mode");

    /// <summary>Whether the name asks for any engine setting.</summary>
    public bool HasSettings => Workers is not null || Transmit is not null || QdiscBypass is not null || BatchSize is not null;

    /// <summary>Parses an L4 contender name; null when it is not one (does not start with l4-); throws on a bad suffix.</summary>
    public static L4Variant? Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.StartsWith("l4-", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = name[3..].Split('-');
        bool ipv6 = parts[0].EndsWith('6') && Modes.Contains(parts[0][..^1]);
        var mode = ipv6 ? parts[0][..^1] : parts[0];
        if (!Modes.Contains(mode))
        {
            throw new ArgumentException($"contender '{name}': unknown mode '{parts[0]}' (use {Grammar})");
        }

        var v = new L4Variant(mode, Ipv6: ipv6);
        foreach (var p in parts.Skip(1))
        {
            if (TransmitKinds.Contains(p) && v.Transmit is null)
            {
                v = v with { Transmit = p };
            }
            else if (p == "bypass" && v.QdiscBypass is null)
            {
                v = v with { QdiscBypass = true };
            }
            else if (p.Length > 1 && p[0] == 'w' && v.Workers is null && Number(p, 1, 16) is { } w)
            {
                v = v with { Workers = w };
            }
            else if (p.Length > 1 && p[0] == 'b' && v.BatchSize is null && Number(p, 1, 1024) is { } b)
            {
                v = v with { BatchSize = b };
            }
            else if (p.StartsWith("router", StringComparison.Ordinal) && v.Router is null && Digits(p.AsSpan("router".Length), 1, 8) is { } r)
            {
                v = !RouterModes.Contains(v.Mode)
                    ? throw new ArgumentException($"contender '{name}': only {string.Join(" and ", RouterModes)} run behind the router here")
                    : v.Ipv6
                    ? throw new ArgumentException($"contender '{name}': the harness builds its router lab for IPv4 only, so IPv6 runs without the router")
                    : v with { Router = r };
            }
            else
            {
                throw new ArgumentException($"contender '{name}': '{p}' is not a setting or is repeated (use {Grammar})");
            }
        }

        return v;
    }

    private static int? Number(string p, int min, int max) => Digits(p.AsSpan(1), min, max);

    private static int? Digits(ReadOnlySpan<char> digits, int min, int max) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max ? n : null;
}
