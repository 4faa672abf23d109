using LoadBalancer.Balancer.Tests.Fuzz;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.Fuzz;
using SharpFuzz;

namespace LoadBalancer.Fuzz;

/// <summary>Entry point: `packet`/`config` run under afl-fuzz (input on stdin), the rest are tools around them.</summary>
internal static class Program
{
    private const string Usage = """
        usage: LoadBalancer.Fuzz packet | config | proxy | client-address | http1
                                                                 run one target under afl-fuzz (input on stdin)
               LoadBalancer.Fuzz seed OUT_DIR CONFIGS_DIR        write the seed corpus (OUT_DIR/packet, config, proxy, client-address, http1)
               LoadBalancer.Fuzz replay TARGET PATH...           run files (or every file of directories); exit 1 on a crash
               LoadBalancer.Fuzz loop TARGET CORPUS SECONDS CRASH_DIR [RNG_SEED]
                                                                 in-process mutation loop (no AFL); exit 1 on a crash
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        switch (args[0])
        {
            case "packet" or "config" or "proxy" or "client-address" or "http1" when args.Length == 1:
                Action<byte[]> target = Target(args[0]);
                Fuzzer.Run(stream =>
                {
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    target(copy.ToArray());
                });
                return 0;
            case "seed" when args.Length == 3:
                SeedWriter.Write(args[1], args[2]);
                return 0;
            case "replay" when args.Length >= 3:
                return Replay(args[1], args[2..]);
            case "loop" when args.Length is 5 or 6:
                var loop = new MutationLoop(Target(args[1]), args[4], args.Length == 6 ? int.Parse(args[5]) : Environment.TickCount);
                return loop.Run(args[2], TimeSpan.FromSeconds(double.Parse(args[3])));
            default:
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    /// <summary>The harness for a target name (the same code the replay tests run).</summary>
    public static Action<byte[]> Target(string name) => name switch
    {
        "packet" => data => PacketHarness.Run(data),
        "config" => data => ConfigHarness.Run(data),
        "proxy" => data => ProxyHeaderHarness.Run(data),
        "client-address" => data => ClientAddressOptionHarness.Run(data),
        "http1" => data => Http1Harness.Run(data),
        _ => throw new ArgumentException($"unknown target '{name}' (packet, config, proxy, client-address, http1)"),
    };

    private static int Replay(string targetName, string[] paths)
    {
        Action<byte[]> target = Target(targetName);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        if (targetName == "packet")
        {
            // Tally verdicts and drop reasons: shows which data-plane outcomes the corpus reaches.
            target = data =>
            {
                foreach (ForwardResult r in PacketHarness.Run(data))
                {
                    string key = r.Verdict == Verdict.Drop ? $"Drop/{r.Reason}" : r.Verdict.ToString();
                    outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
                }
            };
        }

        if (targetName == "client-address")
        {
            // Tally parser/writer outcomes: shows which results the corpus reaches.
            target = data =>
            {
                string key = ClientAddressOptionHarness.Run(data);
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            };
        }

        if (targetName == "http1")
        {
            // Tally what the parsers made of each input.
            target = data =>
            {
                string key = Http1Harness.Run(data);
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            };
        }

        if (targetName == "proxy")
        {
            // Tally parser outcomes (listener setting `any`): shows which results the corpus reaches.
            target = data =>
            {
                string key = ProxyHeaderHarness.Run(data);
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            };
        }

        int files = 0;
        int crashes = 0;
        foreach (string path in paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p) : [p]).Order(StringComparer.Ordinal))
        {
            files++;
            try
            {
                target(File.ReadAllBytes(path));
            }
            catch (Exception e)
            {
                crashes++;
                Console.WriteLine($"CRASH {path}: {e.GetType().Name}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }

        if (outcomes.Count > 0)
        {
            Console.WriteLine("outcomes: " + string.Join(", ", outcomes.Select(o => $"{o.Key}={o.Value}")));
        }

        Console.WriteLine($"replayed {files} files, {crashes} crashed");
        return crashes == 0 ? 0 : 1;
    }
}
