using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>
/// Our L4 engine on <see cref="L4Variant.Router"/> balancers behind the router lab's BIRD router (ECMP over their BGP
/// announcements): one `balancer run` per balancer namespace, the same config on each with <c>L4:Announce</c> on.
/// </summary>
/// <param name="name">Contender name, e.g. l4-dsr-router2.</param>
/// <param name="variant">Mode, engine settings and the number of balancers.</param>
internal sealed partial class RouterL4Contender(string name, L4Variant variant) : Contender
{
    private readonly List<NsProcess> _processes = [];

    /// <inheritdoc/>
    public override string Name => name;

    /// <summary>How many balancers carry the traffic.</summary>
    public int Balancers => variant.Router ?? 1;

    /// <inheritdoc/>
    public override bool Udp => true;

    /// <inheritdoc/>
    public override bool NeedsRouter => true;

    /// <inheritdoc/>
    /// <remarks>A .NET start per balancer (they start side by side), then BGP and the router's route (about 1 s).</remarks>
    public override double StartSeconds => 6;

    /// <inheritdoc/>
    public override RouteMode Routes => variant.Kind == Modes.Forwarding.ForwardingModeKind.Tunnel ? RouteMode.Tunnel : RouteMode.OnLink;

    /// <inheritdoc/>
    public override IReadOnlyList<int> Pids => _processes.Select(p => p.Pid).ToList();

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => $"http://{lab.Layout.Vip}:{BenchLab.HttpPort}";

    /// <inheritdoc/>
    public override void Start(BenchLab lab)
    {
        if (lab.Layout.Router is null || lab.Layout.Balancers.Count < Balancers)
        {
            throw new InvalidOperationException($"{Name} needs a lab with a router and {Balancers} balancers");
        }

        var dir = Dir(lab);
        try
        {
            for (int i = 1; i <= Balancers; i++)
            {
                var path = Path.Combine(dir, $"balancer-lb{i}.json");
                var config = BalancerL4Contender.Config(lab, variant, LabLayout.FullNatSourceOf(i).ToString(), announce: true);
                File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                _processes.Add(NsProcess.Start(lab.Layout.Balancers[i - 1].Namespace, $"{Name} lb{i}", Path.Combine(dir, $"stdout-lb{i}.log"),
                    "dotnet", lab.BalancerDll, "run", "--config", path));
            }

            // Every balancer announces before the first request, so the router spreads flows from the start.
            _processes[0].WaitReady(() => NextHops(lab).Count == Balancers || _processes.Any(p => p.HasExited), TimeSpan.FromSeconds(60));
            if (_processes.FirstOrDefault(p => p.HasExited) is { } dead)
            {
                throw new InvalidOperationException($"{dead.What} exited: {dead.ReadLog().Trim()}");
            }

            WaitServing(lab, _processes[0]);
        }
        catch
        {
            Stop(lab);
            throw;
        }
    }

    /// <inheritdoc/>
    public override void Stop(BenchLab lab)
    {
        foreach (var p in _processes)
        {
            p.Dispose();
        }

        _processes.Clear();
        // A stopped balancer withdraws its VIP; the next contender starts once the router has forgotten it.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (lab.Layout.Router is not null && NextHops(lab).Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
        }
    }

    /// <summary>The router's next hops for the VIP now (one per balancer that announces it).</summary>
    public static IReadOnlyList<string> NextHops(BenchLab lab)
    {
        var text = Shell.Run("ip", ["-n", lab.Layout.Router!.Namespace, "route", "show", $"{lab.Layout.Vip}/32"]).StdOut;
        return Via().Matches(text).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>
    /// Each running balancer's <c>lb_l4_new_flows_total</c> (all services), read from its admin API inside its
    /// namespace; a scrape that fails is tried again for up to 10 s, then throws.
    /// </summary>
    public IReadOnlyList<double> NewFlows(BenchLab lab)
    {
        var result = new List<double>();
        for (int i = 0; i < _processes.Count; i++)
        {
            var ns = lab.Layout.Balancers[i].Namespace;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            double? value;
            while ((value = Scrape(ns)) is null)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{Name}: no metrics from lb{i + 1} ({ns}) within 10 s");
                }

                Thread.Sleep(200);
            }

            result.Add(value.Value);
        }

        return result;
    }

    private static double? Scrape(string ns)
    {
        var r = Shell.Run("ip", ["netns", "exec", ns, "curl", "-s", "-m", "5", "http://127.0.0.1:9100/metrics"], TimeSpan.FromSeconds(10));
        return r.Ok ? SumOf(r.StdOut, "lb_l4_new_flows_total") : null;
    }

    /// <summary>Sum of every sample of <paramref name="metric"/> in a Prometheus text exposition; null when it has none.</summary>
    internal static double? SumOf(string text, string metric)
    {
        double sum = 0;
        bool any = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && line[metric.Length] is ' ' or '{'
                && double.TryParse(line.AsSpan(line.LastIndexOf(' ') + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                sum += v;
                any = true;
            }
        }

        return any ? sum : null;
    }

    [GeneratedRegex(@"via (\d+\.\d+\.\d+\.\d+)")]
    private static partial Regex Via();
}
