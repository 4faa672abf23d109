using System.Text;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>HAProxy in tcp or http mode, round robin over the backends, in the foreground (-db).</summary>
/// <param name="mode">tcp or http.</param>
internal sealed class HaproxyContender(string mode) : ProcessContender
{
    /// <inheritdoc/>
    public override string Name => $"haproxy-{mode}";

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => $"http://{lab.ProxyAddress}:{BenchLab.HttpPort}";

    /// <inheritdoc/>
    protected override string[] Prepare(BenchLab lab, string dir)
    {
        var cfg = new StringBuilder()
            .AppendLine("global")
            .AppendLine("  maxconn 8000")
            .AppendLine("defaults")
            .AppendLine($"  mode {mode}")
            .AppendLine("  timeout connect 5s")
            .AppendLine("  timeout client 60s")
            .AppendLine("  timeout server 60s")
            .AppendLine("frontend fe")
            .AppendLine($"  bind {lab.ProxyAddress}:{BenchLab.HttpPort}")
            .AppendLine("  default_backend be")
            .AppendLine("backend be")
            .AppendLine("  balance roundrobin");
        if (mode == "http")
        {
            cfg.AppendLine("  http-reuse always");
        }

        foreach (var b in lab.Layout.Backends)
        {
            cfg.AppendLine($"  server {b.Name} {b.Address}:{BenchLab.HttpPort}");
        }

        var path = Path.Combine(dir, "haproxy.cfg");
        File.WriteAllText(path, cfg.ToString());
        return ["haproxy", "-db", "-f", path];
    }
}
