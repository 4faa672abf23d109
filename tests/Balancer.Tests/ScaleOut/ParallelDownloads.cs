using System.Globalization;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.ScaleOut;

/// <summary>
/// N concurrent downloads of the demo backend's <c>/bytes/SIZE?rate=R</c> (server-paced) through the VIP, by one
/// <c>curl --parallel</c> in the client namespace (one TCP connection each), every body checked byte for byte.
/// </summary>
public sealed class ParallelDownloads
{
    private readonly string _dir;
    private readonly Task<ProcessResult> _run;

    public ParallelDownloads(string clientNamespace, string vip, int count, int bytes, int rate, string dir, TimeSpan timeout)
    {
        Count = count;
        Bytes = bytes;
        _dir = dir;
        Directory.CreateDirectory(dir);
        var args = new List<string>
        {
            "netns", "exec", clientNamespace, "curl", "-s", "--parallel", "--parallel-immediate", "--parallel-max", count.ToString(CultureInfo.InvariantCulture),
            "-m", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-w", "%{urlnum} %{exitcode} %{size_download}\\n",
        };
        for (int i = 0; i < count; i++)
        {
            args.AddRange(["-o", File(i), $"http://{vip}:8080/bytes/{bytes}?rate={rate}&n={i}"]);
        }

        _run = ProcessRunner.RunAsync("ip", args, timeout + TimeSpan.FromSeconds(30));
    }

    public int Count { get; }
    public int Bytes { get; }

    private string File(int i) => Path.Combine(_dir, $"d{i}");

    /// <summary>Bytes received so far by each download.</summary>
    public long[] Progress() => Enumerable.Range(0, Count).Select(i => System.IO.File.Exists(File(i)) ? new FileInfo(File(i)).Length : 0).ToArray();

    /// <summary>Waits for curl to finish and returns how many downloads arrived complete and byte-for-byte right, with curl's per-transfer lines.</summary>
    public async Task<(int Intact, string Report)> FinishAsync()
    {
        var result = await _run;
        var expected = Expected(Bytes);
        int intact = Enumerable.Range(0, Count).Count(i => System.IO.File.Exists(File(i)) && System.IO.File.ReadAllBytes(File(i)).AsSpan().SequenceEqual(expected));
        var failed = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Split(' ') is [_, var code, _] && code != "0").ToList();
        return (intact, $"curl exit {result.ExitCode}; {failed.Count} transfer(s) with an error: {string.Join("; ", failed.Take(10))}");
    }

    /// <summary>What the demo backend's /bytes/N serves.</summary>
    public static byte[] Expected(int n)
    {
        var data = new byte[n];
        for (var i = 0; i < n; i++)
        {
            data[i] = (byte)((i % 65536) * 31 + 7);
        }

        return data;
    }
}
