using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>Every contender by name, with the tools each needs.</summary>
internal static class ContenderCatalog
{
    /// <summary>All names, in default run order (IPv4; <c>--family dual</c> adds the IPv6 twins: <see cref="ContenderFamily"/>).</summary>
    public static readonly IReadOnlyList<string> All =
        ["direct", "l4-nat", "l4-fullnat", "l4-tunnel", "l4-dsr", "l4-dsr-router1", "l4-dsr-router2", "l7", "nftables", "haproxy-tcp", "haproxy-http", "nginx-http", "nginx-stream"];

    /// <summary>Named series of L4 engine variants that --series adds after their base contender.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Series = new Dictionary<string, IReadOnlyList<string>>
    {
        ["workers"] = ["l4-nat-w1", "l4-nat-w2", "l4-fullnat-w1", "l4-fullnat-w2"],
        ["workers-dsr"] = ["l4-dsr-w1", "l4-dsr-w2"],
        ["transmit"] = ["l4-nat-pcap", "l4-nat-sendmmsg", "l4-nat-ring"],
    };

    /// <summary>The smaller set a --quick run uses unless --contenders says otherwise.</summary>
    public static readonly IReadOnlyList<string> Quick = ["direct", "l4-nat", "l4-dsr", "l7", "nftables", "haproxy-tcp", "nginx-http"];

    /// <summary>Creates a contender by name.</summary>
    public static Contender Create(string name) => name switch
    {
        "direct" or "direct6" => new DirectContender(name),
        _ when L4Variant.Parse(name) is { } v => v.Router is null ? new BalancerL4Contender(name, v) : new RouterL4Contender(name, v),
        "l7-inline" => new BalancerL7Contender("l7-inline", inline: true),
        "l7-notrace" => new BalancerL7Contender("l7-notrace", propagate: false),
        "l7-servergc" => new BalancerL7Contender("l7-servergc", variant: Env("DOTNET_gcServer=1")),
        "l7-notiered" => new BalancerL7Contender("l7-notiered", variant: Env("DOTNET_TieredCompilation=0")),
        "l7-nopgo" => new BalancerL7Contender("l7-nopgo", variant: Env("DOTNET_TieredPGO=0")),
        "l7-stock" => new BalancerL7Contender("l7-stock", inline: false, propagate: true),
        // The defaults before the throughput and warm-up work: thread-pool socket completions, tiered PGO on.
        "l7-before" => new BalancerL7Contender("l7-before", false, null, Env("DOTNET_TieredPGO=1"), fastPath: false),
        // Every request through Kestrel's request pipeline and YARP's forwarder (Balancer:Tuning:Http1FastPath false).
        "l7-yarp" => new BalancerL7Contender("l7-yarp", fastPath: false),
        "l7-accesslog" => new BalancerL7Contender("l7-accesslog") { AccessLog = true },
        // The fast path as connection middleware on Kestrel's transport (Balancer:Tuning:Http1FastPathOwnSockets false): l7-kestrel, l7-aot-kestrel.
        _ when name.EndsWith("-kestrel", StringComparison.Ordinal) && L7Variant.Parse(name[..^"-kestrel".Length]) is { } k =>
            new BalancerL7Contender(name, variant: k, ownSockets: false),
        _ when L7Variant.Parse(name) is { } v => new BalancerL7Contender(name, variant: v),
        "nftables" or "nftables6" => new NftablesContender(name),
        "haproxy-tcp" => new HaproxyContender("tcp"),
        "haproxy-http" => new HaproxyContender("http"),
        "nginx-http" => new NginxContender("http"),
        "nginx-stream" => new NginxContender("stream"),
        _ => throw new ArgumentException($"unknown contender '{name}' (known: {string.Join(", ", All)}, the IPv6 twins {string.Join(", ", ContenderFamily.Ipv6Baselines)} and l4-MODE6, the L4 engine variants {L4Variant.Grammar}, and the L7 variants l7-inline, l7-notrace, l7-servergc, l7-stock, l7-before, l7-yarp, l7-accesslog, {L7Variant.Grammar} and the same with -kestrel)"),
    };

    private static L7Variant Env(string setting) => new(L7Build.Dll, [setting]);

    /// <summary>
    /// Inserts the contenders of each named series after its base contender (l4-nat-w1 after l4-nat), or at the end
    /// when the base is not in the list; names already present are not repeated.
    /// </summary>
    public static IReadOnlyList<string> WithSeries(IReadOnlyList<string> names, IEnumerable<string> series)
    {
        var result = names.ToList();
        foreach (var s in series)
        {
            if (!Series.TryGetValue(s, out var members))
            {
                throw new ArgumentException($"--series '{s}': use {string.Join(", ", Series.Keys)} or none");
            }

            foreach (var m in members.Where(m => !result.Contains(m)))
            {
                var baseName = "l4-" + L4Variant.Parse(m)!.Mode;
                int at = result.FindLastIndex(n => n == baseName || (n.StartsWith(baseName + "-", StringComparison.Ordinal) && L4Variant.Parse(n) is { Router: null, Ipv6: false } v && v.Mode == L4Variant.Parse(m)!.Mode));
                result.Insert(at < 0 ? result.Count : at + 1, m);
            }
        }

        return result;
    }

    /// <summary>What is missing on this machine for <paramref name="name"/>, or null; with the Debian package to install.</summary>
    public static string? Missing(string name)
    {
        if (name.StartsWith("haproxy", StringComparison.Ordinal) && !Shell.Has("haproxy"))
        {
            return "haproxy (apt-get install haproxy)";
        }

        if (name == "nginx-stream" && !File.Exists(NginxContender.StreamModule))
        {
            return "nginx stream module (apt-get install libnginx-mod-stream)";
        }

        if (L4Variant.Parse(name) is { Router: not null } && !(Shell.Has("bird") && Shell.Has("birdc")))
        {
            return "BIRD 2 for the router lab (apt-get install bird2)";
        }

        if (name is "nftables" or "nftables6" && !Shell.Has("nft"))
        {
            return "nft (apt-get install nftables)";
        }

        return null;
    }
}
