using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Traffic;

/// <summary>What a real client saw during a SYN flood.</summary>
/// <param name="ClientTried">Requests (each on a new connection) started while the flood ran.</param>
/// <param name="ClientOk">Of those, completed with 200 within the time limit.</param>
/// <param name="Downloads">Slow downloads running across the flood.</param>
/// <param name="DownloadsIntact">Of those, complete and matching a backend file's SHA-256.</param>
/// <param name="Flood">What the flood sent.</param>
/// <param name="Problems">Why downloads failed, if any did.</param>
/// <param name="OwnConnections">Connections the real client and the downloads opened in all (before, during and after the flood).</param>
internal sealed record OverloadResult(int ClientTried, int ClientOk, int Downloads, int DownloadsIntact, BlastResult Flood, string? Problems, int OwnConnections)
{
    /// <summary>Share of the client's requests that succeeded, in percent.</summary>
    public double ClientOkPercent => ClientTried > 0 ? 100.0 * ClientOk / ClientTried : double.NaN;

    /// <summary>The real client's completed requests per second of flood (each on a new connection, one at a time).</summary>
    public double ClientOkPerSecond => Flood.Seconds > 0 ? ClientOk / Flood.Seconds : double.NaN;
}

/// <summary>
/// The overload row: two slow downloads are established, then a bounded spoofed-SYN flood runs from the client
/// namespace while a real client makes one request per new connection in a loop (each bounded by a timeout).
/// </summary>
internal static class Overload
{
    /// <summary>Time a real client's request may take before it counts as failed (includes one SYN retransmission at 1 s).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Runs the row.</summary>
    /// <param name="clientNs">Client namespace.</param>
    /// <param name="http">The contender's HTTP address (VIP:8080).</param>
    /// <param name="smallPath">The small path the real client asks for.</param>
    /// <param name="slowPath">A rate-limited large file.</param>
    /// <param name="slowBytes">Its size.</param>
    /// <param name="slowHashes">SHA-256 (hex) of each backend's copy.</param>
    /// <param name="spoofFrom">The client subnet the spoofed sources are drawn from.</param>
    /// <param name="avoid">Host numbers of that subnet never spoofed.</param>
    /// <param name="rate">SYNs per second.</param>
    /// <param name="duration">Flood length (the count bound is rate x duration).</param>
    public static OverloadResult Run(
        string clientNs, IPEndPoint http, string smallPath, string slowPath, long slowBytes, IReadOnlySet<string> slowHashes,
        IPAddress spoofFrom, IReadOnlySet<int> avoid, double rate, TimeSpan duration)
    {
        var downloads = Enumerable.Range(0, 2).Select(i => new Download(clientNs, http, slowPath, slowBytes, slowHashes, i)).ToList();
        downloads.ForEach(d => d.Start());
        // Both downloads established and flowing before the flood starts (bounded wait).
        var sw = Stopwatch.StartNew();
        while (downloads.Any(d => d.Bytes == 0 && !d.Done) && sw.Elapsed < TimeSpan.FromSeconds(3))
        {
            Thread.Sleep(20);
        }

        var attempts = new List<(double Start, bool Ok)>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var client = new Thread(() =>
        {
            NetNs.Enter(clientNs);
            while (!stop.IsCancellationRequested)
            {
                double t = clock.Elapsed.TotalSeconds;
                var (ok, _, _) = Http.Get(http, smallPath, RequestTimeout, hash: false);
                lock (attempts)
                {
                    attempts.Add((t, ok));
                }

                if (!ok)
                {
                    Thread.Sleep(10);
                }
            }
        })
        { IsBackground = true, Name = "overload client" };
        client.Start();
        Thread.Sleep(200);
        double floodStart = clock.Elapsed.TotalSeconds;
        var flood = SynFlood.Run(clientNs, http, spoofFrom, avoid, rate, (long)(rate * duration.TotalSeconds), duration);
        double floodEnd = clock.Elapsed.TotalSeconds;
        // Requests started during the flood may still be waiting: give them their time limit.
        Thread.Sleep(RequestTimeout + TimeSpan.FromMilliseconds(200));
        stop.Cancel();
        client.Join(RequestTimeout * 2);
        List<(double Start, bool Ok)> during;
        lock (attempts)
        {
            during = attempts.Where(a => a.Start >= floodStart && a.Start < floodEnd).ToList();
        }

        foreach (var d in downloads)
        {
            d.Join(TimeSpan.FromSeconds(30));
        }

        var problems = downloads.Where(d => !d.Intact).Select(d => d.Problem).ToList();
        int own;
        lock (attempts)
        {
            own = attempts.Count + downloads.Count;
        }

        return new OverloadResult(during.Count, during.Count(a => a.Ok), downloads.Count, downloads.Count(d => d.Intact), flood,
            problems.Count > 0 ? string.Join("; ", problems) : null, own);
    }

    private sealed class Download(string ns, IPEndPoint http, string path, long bytes, IReadOnlySet<string> hashes, int index)
    {
        private Thread? _worker;

        public long Bytes { get; private set; }

        public bool Done { get; private set; }

        public bool Intact { get; private set; }

        public string Problem { get; private set; } = "not finished";

        public void Start()
        {
            _worker = new Thread(() =>
            {
                try
                {
                    NetNs.Enter(ns);
                    var (ok, got, sha) = Http.Get(http, path, TimeSpan.FromSeconds(25), hash: true, progress: n => Bytes = n);
                    Intact = ok && got == bytes && hashes.Contains(sha);
                    Problem = Intact ? "" : $"download {index}: {(ok ? "complete" : "broken")}, {got} of {bytes} bytes{(ok && got == bytes ? ", SHA-256 matches no backend file" : "")}";
                }
                catch (InvalidOperationException ex)
                {
                    Problem = $"download {index}: {ex.Message}";
                }
                finally
                {
                    Done = true;
                }
            })
            { IsBackground = true, Name = $"overload download {index}" };
            _worker.Start();
        }

        public void Join(TimeSpan limit) => _worker?.Join(limit);
    }
}

/// <summary>A minimal HTTP/1.0 GET on a new connection, from the calling thread's namespace.</summary>
internal static class Http
{
    /// <summary>GETs <paramref name="path"/>; returns whether a 200 with the announced body arrived, the body length and (if asked) its SHA-256.</summary>
    public static (bool Ok, long Bytes, string Sha256) Get(IPEndPoint ep, string path, TimeSpan limit, bool hash, Action<long>? progress = null)
    {
        var deadline = Stopwatch.StartNew();
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        long body = 0;
        try
        {
            var connect = s.ConnectAsync(ep);
            if (!connect.Wait(limit))
            {
                return (false, 0, "");
            }

            s.ReceiveTimeout = (int)Math.Max(1, (limit - deadline.Elapsed).TotalMilliseconds);
            s.Send(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\nHost: {ep}\r\n\r\n"));
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[65536];
            var header = new List<byte>();
            long expected = -1;
            bool inBody = false, status200 = false;
            while (true)
            {
                if (deadline.Elapsed > limit)
                {
                    return (false, body, "");
                }

                int n = s.Receive(buffer);
                if (n == 0)
                {
                    break;
                }

                int start = 0;
                if (!inBody)
                {
                    header.AddRange(buffer.AsSpan(0, n));
                    int end = IndexOfHeaderEnd(header);
                    if (end < 0)
                    {
                        continue;
                    }

                    var text = Encoding.ASCII.GetString(header.ToArray(), 0, end);
                    status200 = text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || text.StartsWith("HTTP/1.0 200", StringComparison.Ordinal);
                    var cl = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                    expected = cl is null ? -1 : long.Parse(cl.Split(':', 2)[1].Trim(), CultureInfo.InvariantCulture);
                    inBody = true;
                    start = n - (header.Count - end - 4);
                }

                int len = n - start;
                if (hash)
                {
                    sha.AppendData(buffer, start, len);
                }

                body += len;
                progress?.Invoke(body);
            }

            bool ok = status200 && (expected < 0 || body == expected);
            return (ok, body, hash ? Convert.ToHexString(sha.GetHashAndReset()) : "");
        }
        catch (Exception ex) when (ex is SocketException or AggregateException or ObjectDisposedException or FormatException)
        {
            return (false, body, "");
        }
    }

    private static int IndexOfHeaderEnd(List<byte> h)
    {
        for (int i = 0; i + 3 < h.Count; i++)
        {
            if (h[i] == '\r' && h[i + 1] == '\n' && h[i + 2] == '\r' && h[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
