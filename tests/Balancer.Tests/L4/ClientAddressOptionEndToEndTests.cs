using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>
/// The client's address behind our own full NAT, the path users take: a full-NAT lab (`balancer run` on the balancer),
/// and on the backend a real `balancer run` as the L7 front (<c>ClientAddressFrom: tcp-option</c>) in front of the demo
/// backend, which echoes the X-Forwarded-For the front sent.
/// </summary>
[Collection(NetNsCollection.Name)]
public sealed partial class ClientAddressOptionEndToEndTests
{
    private const int FrontPort = 8081;

    [SkippableFact]
    public void FullNat_WithClientAddressOption_FrontSeesTheClient_AndWithoutItTheFullNatSource()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("fullnat", backends: 1, prefix: "lbtoa");
        string client = lab.Topology.Layout.Client.Address.ToString();
        string backend = lab.Topology.Layout.Backends[0].Namespace;
        StartFront(lab, backend);
        lab.StartBalancer(Config(lab, option: true));

        Assert.Equal(client, ForwardedFor(lab));
        var many = ForwardedForMany(lab, 200);
        Assert.True(many.Count == 200 && many.All(a => a == client), $"{many.Count} answers, other addresses: {string.Join(",", many.Where(a => a != client).Distinct())}");
        Assert.True(FrontCount(backend, "applied") >= 201, $"front counted {FrontCount(backend, "applied")} applied");
        Assert.True(L4Count(lab, "added") >= 201, $"engine counted {L4Count(lab, "added")} options added");
        Assert.Equal(0, FrontCount(backend, "untrusted") + FrontCount(backend, "malformed"));

        lab.RestartBalancer(Config(lab, option: false));
        Assert.Equal(L4Lab.FullNatSource, ForwardedFor(lab));
        Assert.True(FrontCount(backend, "absent") >= 1, "the front did not count the SYN without the option");
    }

    [SkippableFact]
    public void FullNat_FrontNotTrustingTheSource_IgnoresTheOptionAndCountsIt()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("fullnat", backends: 1, suffix: "un", prefix: "lbtoa");
        string backend = lab.Topology.Layout.Backends[0].Namespace;
        StartFront(lab, backend, trusted: "10.99.0.0/16");
        lab.StartBalancer(Config(lab, option: true));

        Assert.Equal(L4Lab.FullNatSource, ForwardedFor(lab));
        Assert.True(FrontCount(backend, "untrusted") >= 1, "the untrusted option was not counted");
        Assert.Equal(0, FrontCount(backend, "applied"));
    }

    private static JsonObject Config(L4Lab lab, bool option) => lab.Config(shapeService: s =>
    {
        if ((string)s["Protocol"]! == "tcp")
        {
            s["ClientAddressOption"] = option;
            foreach (var (_, b) in (JsonObject)s["Backends"]!)
            {
                b!["Port"] = FrontPort;
            }
        }
    });

    /// <summary>`balancer run` on the backend: a listener that takes the client from the TCP option, proxying to the demo backend on :8080.</summary>
    private static void StartFront(L4Lab lab, string ns, string trusted = L4Lab.FullNatSource)
    {
        var config = ConfigJson.Basic(["http://127.0.0.1:8080/"]);
        config["Balancer"]!["Listeners"] = new JsonArray(new JsonObject
        {
            ["Url"] = $"http://0.0.0.0:{FrontPort}", ["ClientAddressFrom"] = "tcp-option", ["ClientAddressTrusted"] = new JsonArray(trusted),
        });
        config["Balancer"]!["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:9100" };
        var path = lab.FilePath($"front-{ns}.json");
        File.WriteAllText(path, ConfigJson.Text(config));
        var front = lab.StartIn(ns, $"front-{ns}.log", "dotnet", BalancerProcess.DllPath, "run", "--config", path);
        Poll.Until(() => front.HasExited || L4Lab.Exec(ns, "curl", "-s", "-m", "2", $"http://127.0.0.1:{FrontPort}/health").StdOut == "ok",
            TimeSpan.FromSeconds(60), "the backend's L7 front");
        Assert.False(front.HasExited, File.ReadAllText(lab.FilePath($"front-{ns}.log")));
    }

    private static string ForwardedFor(L4Lab lab)
    {
        var r = lab.Curl("-D", "-", "-o", "/dev/null", $"http://{L4Lab.Vip}:8080/echo");
        return Echoed().Matches(r.StdOut).Select(m => m.Groups[1].Value).SingleOrDefault() ?? $"(none in: {r.StdOut} {r.StdErr})";
    }

    /// <summary><paramref name="count"/> requests, each on its own connection, 20 at a time; the X-Forwarded-For each one echoed.</summary>
    private static List<string> ForwardedForMany(L4Lab lab, int count)
    {
        string[] urls = [.. Enumerable.Range(0, count).Select(i => $"http://{L4Lab.Vip}:8080/echo?n={i}")];
        var r = lab.Curl(["--parallel", "--parallel-max", "20", "-H", "Connection: close", "-D", "-", "-o", "/dev/null", .. urls]);
        return [.. Echoed().Matches(r.StdOut).Select(m => m.Groups[1].Value)];
    }

    private static long FrontCount(string ns, string result) =>
        Counter(L4Lab.Exec(ns, "curl", "-s", "-m", "5", "http://127.0.0.1:9100/metrics").StdOut, "lb_client_address_option_total", $"result=\"{result}\"");

    private static long L4Count(L4Lab lab, string outcome) =>
        Counter(lab.Admin("GET", "/metrics"), "lb_l4_client_address_option_total", $"outcome=\"{outcome}\"");

    private static long Counter(string scrape, string name, string label) =>
        scrape.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"(?im)^X-Echo-X-Forwarded-For:\s*(\S+)\s*$")]
    private static partial Regex Echoed();
}
