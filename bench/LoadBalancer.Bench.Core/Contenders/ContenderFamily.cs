namespace LoadBalancer.Bench.Contenders;

/// <summary>
/// The IP family of a contender, read from its name: a <c>6</c> at the end of <c>direct6</c> and <c>nftables6</c>, or
/// after the mode of an L4 contender (<c>l4-nat6</c>, <c>l4-dsr6-w2</c>), runs it over IPv6 in the same lab and run as
/// its IPv4 twin; every other name is IPv4. Ratios of an IPv6 row are taken against the IPv6 baselines of the same round.
/// </summary>
public static class ContenderFamily
{
    /// <summary>Values of <c>--family</c>.</summary>
    public static readonly IReadOnlyList<string> Choices = ["4", "6", "dual"];

    /// <summary>The contenders other than the L4 engine's that have an IPv6 twin.</summary>
    public static readonly IReadOnlyList<string> Ipv6Baselines = ["direct6", "nftables6"];

    /// <summary>Whether contender <paramref name="name"/> runs over IPv6.</summary>
    public static bool IsIpv6(string name) => Ipv6Baselines.Contains(name) || L4Variant.Parse(name) is { Ipv6: true };

    /// <summary>"IPv4" or "IPv6": the family column of the reports.</summary>
    public static string Label(string name) => IsIpv6(name) ? "IPv6" : "IPv4";

    /// <summary>
    /// The baseline a ratio of <paramref name="contender"/> is taken against: <paramref name="baseline"/> (direct,
    /// nftables, haproxy-http) for an IPv4 contender, its IPv6 twin for an IPv6 one (<c>direct6</c>; <c>haproxy-http6</c>
    /// does not exist, so such a ratio stays empty rather than compare across families).
    /// </summary>
    public static string BaselineFor(string contender, string baseline) => IsIpv6(contender) ? baseline + "6" : baseline;

    /// <summary>The IPv6 twin of an IPv4 contender (<c>l4-nat-w2</c> gives <c>l4-nat6-w2</c>), or null when it has none.</summary>
    public static string? Ipv6Twin(string name)
    {
        if (IsIpv6(name))
        {
            return null;
        }

        if (Ipv6Baselines.Contains(name + "6"))
        {
            return name + "6";
        }

        if (L4Variant.Parse(name) is not { Router: null } v)
        {
            return null;
        }

        return "l4-" + v.Mode + "6" + name[("l4-" + v.Mode).Length..];
    }

    /// <summary>The IPv4 twin of an IPv6 contender (<c>l4-nat6-w2</c> gives <c>l4-nat-w2</c>), or null for an IPv4 one.</summary>
    public static string? Ipv4Twin(string name)
    {
        if (!IsIpv6(name))
        {
            return null;
        }

        if (Ipv6Baselines.Contains(name))
        {
            return name[..^1];
        }

        var mode = L4Variant.Parse(name)!.Mode;
        return "l4-" + mode + name[("l4-" + mode + "6").Length..];
    }

    /// <summary>
    /// Applies <c>--family</c> to a list of contenders: <c>4</c> keeps it as given (IPv6 names stay IPv6), <c>6</c>
    /// replaces every contender by its IPv6 twin and <c>dual</c> puts each twin right after its IPv4 contender (so
    /// both run in the same round, one after the other). Contenders without a twin (the L7 front, HAProxy, nginx,
    /// the router contenders) are kept with <c>dual</c> and refused with <c>6</c>; names are not repeated.
    /// </summary>
    public static IReadOnlyList<string> Apply(IReadOnlyList<string> names, string family)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (!Choices.Contains(family))
        {
            throw new ArgumentException($"--family '{family}': use {string.Join(", ", Choices)}");
        }

        if (family == "4")
        {
            return names;
        }

        if (family == "6")
        {
            var without = names.Where(n => !IsIpv6(n) && Ipv6Twin(n) is null).ToList();
            if (without.Count > 0)
            {
                throw new ArgumentException($"--family 6: {string.Join(", ", without)} cannot run over IPv6 here (IPv6 twins exist for direct, nftables and the L4 engine without -router); use --family dual to run them beside the IPv6 rows");
            }

            return names.Select(n => IsIpv6(n) ? n : Ipv6Twin(n)!).Distinct().ToList();
        }

        var result = new List<string>();
        foreach (var n in names)
        {
            result.Add(n);
            if (Ipv6Twin(n) is { } twin)
            {
                result.Add(twin);
            }
        }

        return result.Distinct().ToList();
    }
}
