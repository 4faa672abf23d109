using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Workloads;

/// <summary>
/// A bounded UDP generator: one thread sends at most N small datagrams, at full speed, over 16 flows (16 source ports)
/// from the client namespace; a receiver per backend namespace counts what arrives on the UDP port.
/// </summary>
internal static class UdpFlood
{
    /// <summary>Payload size: 14 (Ethernet) + 20 (IPv4) + 8 (UDP) + 22 = a 64-byte frame (FCS not counted); over IPv6 the same payload makes an 84-byte frame.</summary>
    public const int PayloadBytes = 22;

    private const int Flows = 16;

    /// <summary>Sends up to <paramref name="count"/> datagrams (stopping after <paramref name="limit"/>) and counts arrivals.</summary>
    public static UdpResult Run(string clientNs, IReadOnlyList<string> backendNs, IPEndPoint target, long count, TimeSpan limit)
    {
        var receivers = backendNs.Select(ns => NetNs.Run(ns, () =>
        {
            var s = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20, ReceiveTimeout = 100 };
            s.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, BenchLab.UdpPort));
            return s;
        })).ToList();
        var senders = NetNs.Run(clientNs, () => Enumerable.Range(0, Flows).Select(_ =>
        {
            var s = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 1 << 20 };
            s.Connect(target);
            return s;
        }).ToList());
        var counts = new long[receivers.Count];
        using var stop = new CancellationTokenSource();
        var threads = receivers.Select((s, i) => new Thread(() => Receive(s, ref counts[i], stop.Token)) { IsBackground = true, Name = $"udp rx {i}" }).ToList();
        try
        {
            threads.ForEach(t => t.Start());
            var payload = new byte[PayloadBytes];
            long sent = 0, errors = 0;
            var sw = Stopwatch.StartNew();
            while (sent + errors < count)
            {
                if (((sent + errors) & 4095) == 0 && sw.Elapsed > limit)
                {
                    break;
                }

                try
                {
                    senders[(int)((sent + errors) % Flows)].Send(payload);
                    sent++;
                }
                catch (SocketException)
                {
                    // ENOBUFS or an ICMP error reported on a connected socket: counted, not fatal.
                    errors++;
                }
            }

            double seconds = sw.Elapsed.TotalSeconds;

            // Let queues drain: wait until the counts stop moving (at most 2 s).
            long last = -1;
            var drain = Stopwatch.StartNew();
            while (drain.Elapsed < TimeSpan.FromSeconds(2))
            {
                Thread.Sleep(250);
                long now = Total(counts);
                if (now == last)
                {
                    break;
                }

                last = now;
            }

            stop.Cancel();
            threads.ForEach(t => t.Join());
            return new UdpResult(sent, Total(counts), seconds, errors, counts);
        }
        finally
        {
            stop.Cancel();
            senders.ForEach(s => s.Dispose());
            receivers.ForEach(s => s.Dispose());
        }
    }

    private static long Total(long[] counts)
    {
        long sum = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            sum += Volatile.Read(ref counts[i]);
        }

        return sum;
    }

    private static void Receive(Socket socket, ref long count, CancellationToken stop)
    {
        var buffer = new byte[2048];
        while (!stop.IsCancellationRequested)
        {
            try
            {
                socket.Receive(buffer);
                Interlocked.Increment(ref count);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                // Timeout only so the stop flag is seen.
            }
        }
    }
}
