using System.Text;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>nginx as an HTTP reverse proxy (with upstream keep-alive) or as a TCP stream proxy, round robin.</summary>
/// <param name="mode">http or stream.</param>
internal sealed class NginxContender(string mode) : ProcessContender
{
    /// <summary>Where Debian's libnginx-mod-stream puts the stream module.</summary>
    public const string StreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so";

    /// <inheritdoc/>
    public override string Name => $"nginx-{mode}";

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => $"http://{lab.ProxyAddress}:{BenchLab.HttpPort}";

    /// <inheritdoc/>
    protected override string[] Prepare(BenchLab lab, string dir)
    {
        var servers = string.Concat(lab.Layout.Backends.Select(b => $"    server {b.Address}:{BenchLab.HttpPort};\n"));
        var listen = $"{lab.ProxyAddress}:{BenchLab.HttpPort}";
        var cfg = new StringBuilder();
        if (mode == "stream")
        {
            cfg.AppendLine($"load_module {StreamModule};");
        }

        cfg.AppendLine("daemon off;")
            .AppendLine("worker_processes auto;")
            .AppendLine($"pid {dir}/nginx.pid;")
            .AppendLine("events { worker_connections 16384; }");
        if (mode == "stream")
        {
            cfg.AppendLine("stream {")
                .Append("  upstream be {\n").Append(servers).AppendLine("  }")
                .AppendLine($"  server {{ listen {listen} backlog=4096; proxy_pass be; }}")
                .AppendLine("}");
        }
        else
        {
            cfg.AppendLine("http {")
                .AppendLine("  access_log off;")
                .AppendLine($"  client_body_temp_path {dir}/tmp-body;")
                .AppendLine($"  proxy_temp_path {dir}/tmp-proxy;")
                .AppendLine("  keepalive_requests 10000000;")
                .Append("  upstream be {\n").Append(servers).AppendLine("    keepalive 128;").AppendLine("  }")
                .AppendLine($"  server {{ listen {listen} backlog=4096;")
                .AppendLine("    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection \"\"; }")
                .AppendLine("  }")
                .AppendLine("}");
        }

        var path = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(path, cfg.ToString());
        return ["nginx", "-e", Path.Combine(dir, "error.log"), "-c", path, "-p", dir];
    }
}
