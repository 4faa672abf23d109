using System.Diagnostics;
using System.Security.Cryptography;

namespace LoadBalancer.Fuzz;

/// <summary>
/// The fallback when afl-fuzz is not there: random mutations of the corpus (AFL-style havoc: bit flips, interesting
/// values, inserts, deletes, splices) run in-process through the same harness. No coverage feedback, so it finds less
/// than AFL per execution, but it is fast and needs nothing but the SDK.
/// </summary>
internal sealed class MutationLoop(Action<byte[]> target, string crashDirectory, int seed)
{
    private static readonly byte[] s_interesting8 = [0, 1, 0x7f, 0x80, 0xff, 4, 5, 6, 17, 20, 64, 0x45, 0x46, 0x4f, 0x08, 0x81];
    private static readonly ushort[] s_interesting16 = [0, 1, 0xffff, 0x8000, 0x7fff, 0x0800, 0x0806, 0x8100, 20, 40, 60, 1500, 1514, 65535, 80, 53];
    private readonly Random _random = new(seed);

    /// <summary>Runs until the time is up or an input crashes; returns 0, or 1 after writing the crashing input to the crash directory.</summary>
    public int Run(string corpusDirectory, TimeSpan duration)
    {
        List<byte[]> corpus = [.. Directory.GetFiles(corpusDirectory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        if (corpus.Count == 0)
        {
            corpus.Add([0]);
        }

        var clock = Stopwatch.StartNew();
        long execs = 0;
        TimeSpan nextReport = TimeSpan.FromSeconds(30);
        while (clock.Elapsed < duration)
        {
            byte[] input = Mutate(corpus[_random.Next(corpus.Count)], corpus);
            execs++;
            try
            {
                target(input);
            }
            catch (Exception e)
            {
                Directory.CreateDirectory(crashDirectory);
                string name = Path.Combine(crashDirectory, "crash-" + Convert.ToHexStringLower(SHA1.HashData(input))[..16]);
                File.WriteAllBytes(name, input);
                Console.WriteLine($"CRASH after {execs} execs: {e.GetType().Name}: {e.Message} -> {name}");
                Console.WriteLine(e.StackTrace);
                return 1;
            }

            if (clock.Elapsed > nextReport)
            {
                Report(execs, clock.Elapsed);
                nextReport += TimeSpan.FromSeconds(30);
            }
        }

        Report(execs, clock.Elapsed);
        return 0;
    }

    private static void Report(long execs, TimeSpan elapsed)
        => Console.WriteLine($"execs={execs} seconds={elapsed.TotalSeconds:F0} execs/s={execs / Math.Max(elapsed.TotalSeconds, 0.001):F0} crashes=0");

    private byte[] Mutate(byte[] parent, List<byte[]> corpus)
    {
        var data = new List<byte>(parent);
        int rounds = 1 << _random.Next(1, 6);
        for (int i = 0; i < rounds; i++)
        {
            int at = data.Count == 0 ? 0 : _random.Next(data.Count);
            switch (_random.Next(data.Count == 0 ? 1 : 9))
            {
                case 0:
                    data.Insert(at, (byte)_random.Next(256));
                    break;
                case 1:
                    data[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 2:
                    data[at] = (byte)_random.Next(256);
                    break;
                case 3:
                    data[at] = s_interesting8[_random.Next(s_interesting8.Length)];
                    break;
                case 4 when at + 1 < data.Count:
                    ushort v = s_interesting16[_random.Next(s_interesting16.Length)];
                    data[at] = (byte)(v >> 8);
                    data[at + 1] = (byte)v;
                    break;
                case 5:
                    data[at] = (byte)(data[at] + _random.Next(-16, 17));
                    break;
                case 6:
                    data.RemoveRange(at, Math.Min(_random.Next(1, 16), data.Count - at));
                    break;
                case 7:
                    byte[] other = corpus[_random.Next(corpus.Count)];
                    int from = _random.Next(other.Length + 1);
                    data.InsertRange(at, other.AsSpan(from, Math.Min(_random.Next(1, 64), other.Length - from)).ToArray());
                    break;
                case 8:
                    int len = Math.Min(_random.Next(1, 32), data.Count - at);
                    data.InsertRange(_random.Next(data.Count + 1), data.GetRange(at, len));
                    break;
            }
        }

        return [.. data];
    }
}
