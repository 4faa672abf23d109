using System.Text;
using LoadBalancer.Modes.Tests.Fuzz;
using LoadBalancer.Modes.Tests.Pipeline;

namespace LoadBalancer.Fuzz;

/// <summary>Writes the seed corpus: the golden fixtures' frames for `packet`, the example configs and broken variants for `config`.</summary>
internal static class SeedWriter
{
    // Control bytes for the variants (see PacketHarness): backend ingress, small table, clock steps, headroom, tight span.
    private static readonly byte[] s_variantControls = [0x01, 0x08, 0x16, 0x90, 0xA0, 0xC6, 0x30, 0xF8, 0x04, 0xB2];

    private const string L4Config = """
        {
          "Balancer": { "Admin": { "Url": "http://127.0.0.1:9100" } },
          "L4": {
            "Interface": "eth0",
            "SourceAddress": "10.1.0.1",
            "ConnectionTable": { "Capacity": 1024, "WhenFull": "EvictOldestIdle", "SynTimeout": "30s", "UdpTimeout": "30s" },
            "Services": {
              "nat":     { "Vip": "10.0.0.100", "Port": 80, "Protocol": "tcp", "Mode": "nat", "Selector": "maglev",
                           "Backends": { "a": { "Address": "10.1.0.11", "Port": 8080 }, "b": { "Address": "10.1.0.12", "Weight": 2 } } },
              "fullnat": { "Vip": "10.0.0.100", "Port": 53, "Protocol": "udp", "Mode": "fullnat", "FullNatSources": [ "10.1.0.1" ],
                           "Backends": { "a": { "Address": "10.1.0.11" } } },
              "tunnel":  { "Vip": "10.0.0.100", "Port": 82, "Protocol": "tcp", "Mode": "tunnel", "TunnelSource": "10.2.0.1",
                           "MssClamp": "Fixed", "Mss": 1200, "Backends": { "a": { "Address": "10.2.0.11" } } },
              "dsr":     { "Vip": "10.0.0.100", "Port": 83, "Protocol": "tcp", "Mode": "dsr", "NonSynMiss": "Drop", "Checksum": "Incremental",
                           "Backends": { "a": { "Address": "10.0.0.11" } } }
            }
          }
        }
        """;

    private static readonly string[] s_brokenConfigs =
    [
        "",
        "null",
        "[]",
        "{}",
        "\"text\"",
        "{\"Balancer\": {}, \"Balancer\": {}}",
        "{\"balancer\": {\"Listeners\": 5}, \"Unknown\": 1}",
        "{\"L4\": {\"Services\": {\"s\": {\"Vip\": \"999.1.1.1\", \"Port\": 70000, \"Mode\": \"warp\", \"Backends\": {\"x\": {\"Address\": \"\"}}}}}}",
        "{\"L4\": {\"ConnectionTable\": {\"Capacity\": -1, \"SynTimeout\": \"-5s\"}, \"Services\": []}}",
        "{\"ReverseProxy\": {\"Routes\": {\"r\": {\"ClusterId\": \"nope\", \"Match\": {}}}, \"Clusters\": {\"c\": {\"Destinations\": {\"d\": {\"Address\": \"not a url\"}}}}}}",
        "{\"Balancer\": {\"Listeners\": [{\"Url\": \"https://0.0.0.0:443\", \"Certificate\": {\"Path\": \"../x.pem\", \"KeyPath\": \"k.pem\"}}], \"Limits\": {\"BackendTimeout\": \"forever\"}}}",
        "{\"Health\": {\"Pools\": {\"p\": {\"Check\": {\"Probe\": \"icmp\", \"Rise\": 0, \"Interval\": \"0s\"}}}, \"Other\": 1}}",
        "{\"Demo\": {\"Backends\": [null, {\"Name\": 1}]}}",
        "{/* comment */ \"Balancer\": {\"Admin\": {\"Url\": \"http://[::1]:9100\",},},}",
        new string('[', 200) + new string(']', 200),
        "{\"L4\": " + new string('{', 80) + new string('}', 80) + "}",
    ];

    /// <summary>Writes the `proxy` seeds: valid v1/v2 headers of each kind (with a request after them), and broken ones.</summary>
    private static void WriteProxySeeds(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (string old in Directory.GetFiles(dir, "seed-*"))
        {
            File.Delete(old);
        }
        byte[] request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        byte[] Written(int version, string source, string destination)
        {
            byte[] buffer = new byte[LoadBalancer.Modes.ProxyProtocol.ProxyHeaderWriter.MaxLength];
            int n = LoadBalancer.Modes.ProxyProtocol.ProxyHeaderWriter.Write(buffer, version,
                System.Net.IPEndPoint.Parse(source), System.Net.IPEndPoint.Parse(destination));
            return buffer[..n];
        }
        byte[] sig = [.. LoadBalancer.Modes.ProxyProtocol.ProxyHeaderParser.V2Signature];
        var seeds = new Dictionary<string, byte[]>
        {
            ["v1-tcp4"] = [.. Written(1, "203.0.113.7:56324", "192.0.2.1:443"), .. request],
            ["v1-tcp6"] = [.. Written(1, "[2001:db8::7]:1", "[2001:db8::1]:65535"), .. request],
            ["v1-unknown"] = [.. "PROXY UNKNOWN\r\n"u8, .. request],
            ["v1-unknown-addresses"] = "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"u8.ToArray(),
            ["v1-too-long"] = Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('9', 120) + "\r\n"),
            ["v1-bad-port"] = "PROXY TCP4 1.2.3.4 5.6.7.8 01 65536\r\n"u8.ToArray(),
            ["v1-cut"] = "PROXY TCP4 203.0.113.7 19"u8.ToArray(),
            ["v2-tcp4"] = [.. Written(2, "203.0.113.7:56324", "192.0.2.1:443"), .. request],
            ["v2-tcp6"] = [.. Written(2, "[2001:db8::7]:1", "[2001:db8::1]:65535"), .. request],
            ["v2-local"] = [.. sig, 0x20, 0x00, 0x00, 0x00, .. request],
            ["v2-tlvs"] = [.. sig, 0x21, 0x11, 0x00, 0x17, 203, 0, 113, 7, 192, 0, 2, 1, 0xDC, 0x04, 0x01, 0xBB, 0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0x04, 0x00, 0x03, 0, 0, 0],
            ["v2-unix"] = [.. sig, 0x21, 0x31, 0x00, 0xD8, .. new byte[216]],
            ["v2-bad-command"] = [.. sig, 0x2F, 0x11, 0x00, 0x0C, .. new byte[12]],
            ["v2-short-block"] = [.. sig, 0x21, 0x21, 0x00, 0x0C, .. new byte[12]],
            ["v2-cut"] = [.. sig, 0x21, 0x11, 0x01, 0x00, 1, 2, 3],
            ["not-proxy"] = request,
            ["tls-hello"] = [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00],
        };
        foreach (var (name, bytes) in seeds)
        {
            File.WriteAllBytes(Path.Combine(dir, $"seed-{name}.bin"), bytes);
        }
    }

    /// <summary>Writes the `client-address` seeds: the IP part of the golden client SYNs (with the option, without, full, with data, forged) and of the frames the balancer sent for them.</summary>
    private static void WriteClientAddressSeeds(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (string old in Directory.GetFiles(dir, "seed-*"))
        {
            File.Delete(old);
        }
        foreach (GoldenFixture f in GoldenFixtures.All.Values.Where(f => f.Name.StartsWith("fullnat-option-", StringComparison.Ordinal) || f.Name == "nat-tcp-syn"))
        {
            File.WriteAllBytes(Path.Combine(dir, $"seed-{f.Name}-in.bin"), f.Input[14..]);
            if (f.Expected is not null)
            {
                File.WriteAllBytes(Path.Combine(dir, $"seed-{f.Name}-out.bin"), f.Expected[14..]);
            }
        }
        byte[] syn = GoldenFixtures.All["fullnat-option-syn"].Expected![14..];
        File.WriteAllBytes(Path.Combine(dir, "seed-truncated.bin"), syn[..30]);
        byte[] badLength = [.. syn];
        badLength[20 + 20 + 3] = 8;
        File.WriteAllBytes(Path.Combine(dir, "seed-bad-length.bin"), badLength);
    }

    /// <summary>Writes OUT_DIR/packet and OUT_DIR/config (clearing seed-*.bin / seed-*.json written before; crash-* files stay).</summary>
    public static void Write(string outDirectory, string configsDirectory)
    {
        string packetDir = Path.Combine(outDirectory, "packet");
        string configDir = Path.Combine(outDirectory, "config");
        Directory.CreateDirectory(packetDir);
        Directory.CreateDirectory(configDir);
        foreach (string old in Directory.GetFiles(packetDir, "seed-*").Concat(Directory.GetFiles(configDir, "seed-*")))
        {
            File.Delete(old);
        }

        int i = 0;
        foreach (GoldenFixture f in GoldenFixtures.All.Values)
        {
            byte[][] frames = [.. f.Prelude, f.Input];
            File.WriteAllBytes(Path.Combine(packetDir, $"seed-{f.Name}.bin"), PacketHarness.Encode(PacketHarness.ControlFor(f), frames));
            if (i % 4 == 0)
            {
                byte control = s_variantControls[(i / 4) % s_variantControls.Length];
                File.WriteAllBytes(Path.Combine(packetDir, $"seed-{f.Name}-c{control:x2}.bin"), PacketHarness.Encode(control, frames));
            }

            i++;
        }

        // Four new flows into a table of capacity 2: refused (control 0x0A) or evicted (0x08).
        byte[][] syns = [.. new[] { "nat-tcp-syn", "fullnat-tcp-syn", "tunnel-tcp-syn-mss-clamp", "dsr-tcp-syn" }.Select(n => GoldenFixtures.All[n].Input)];
        File.WriteAllBytes(Path.Combine(packetDir, "seed-table-full-refuse.bin"), PacketHarness.Encode(0x0A, syns));
        File.WriteAllBytes(Path.Combine(packetDir, "seed-table-full-evict.bin"), PacketHarness.Encode(0x08, syns));

        foreach (string path in Directory.GetFiles(configsDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            // The Grafana dashboard is JSON but not a balancer config, and big: it would only slow the fuzzer down.
            if (!path.Contains("grafana", StringComparison.OrdinalIgnoreCase))
            {
                string text = File.ReadAllText(path);
                string name = Path.GetFileNameWithoutExtension(path);
                File.WriteAllText(Path.Combine(configDir, $"seed-{name}.json"), text);
                File.WriteAllText(Path.Combine(configDir, $"seed-{name}-truncated.json"), text[..(text.Length / 2)]);
            }
        }

        File.WriteAllText(Path.Combine(configDir, "seed-l4.json"), L4Config);
        File.WriteAllText(Path.Combine(configDir, "seed-l4-truncated.json"), L4Config[..(L4Config.Length * 2 / 3)]);
        for (int b = 0; b < s_brokenConfigs.Length; b++)
        {
            File.WriteAllText(Path.Combine(configDir, $"seed-broken-{b:d2}.json"), s_brokenConfigs[b], new UTF8Encoding(false));
        }

        WriteProxySeeds(Path.Combine(outDirectory, "proxy"));
        WriteClientAddressSeeds(Path.Combine(outDirectory, "client-address"));
        File.WriteAllBytes(Path.Combine(configDir, "seed-broken-utf8.json"), [(byte)'{', 0xC3, 0x28, 0xFF, (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}']);
        Console.WriteLine($"wrote {Directory.GetFiles(packetDir).Length} packet and {Directory.GetFiles(configDir).Length} config corpus files");
    }
}
