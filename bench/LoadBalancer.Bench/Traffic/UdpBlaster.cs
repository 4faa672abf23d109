using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Traffic;

/// <summary>What a blast sent.</summary>
/// <param name="Sent">Datagrams the kernel accepted.</param>
/// <param name="Errors">Datagrams a send call refused (ENOBUFS, an ICMP error on a connected socket).</param>
/// <param name="Seconds">Time from the first batch to the last.</param>
internal sealed record BlastResult(long Sent, long Errors, double Seconds)
{
    /// <summary>Datagrams offered per second.</summary>
    public double OfferedPps => Seconds > 0 ? Sent / Seconds : 0;
}

/// <summary>
/// A UDP generator that can out-offer the balancer: N threads in the client namespace, each with its own connected
/// sockets (one source port, so one flow, each), handing the kernel batches of 64 datagrams per <c>sendmmsg()</c> and
/// moving to its next socket after every batch. Paced to a rate or unlimited; always bounded by count and time.
/// Every payload starts with a little-endian sequence number (thread i sends i, i+N, i+2N, ...).
/// </summary>
internal static class UdpBlaster
{
    /// <summary>Datagrams per sendmmsg call.</summary>
    public const int Batch = 64;

    /// <summary>Sends to <paramref name="target"/> from namespace <paramref name="ns"/>.</summary>
    /// <param name="ns">Client namespace.</param>
    /// <param name="target">Destination (VIP or a backend).</param>
    /// <param name="threads">Sender threads.</param>
    /// <param name="flowsPerThread">Sockets (source ports) per thread.</param>
    /// <param name="rate">Total datagrams per second, or 0 for as fast as possible.</param>
    /// <param name="count">Upper bound of datagrams over all threads.</param>
    /// <param name="limit">Upper bound of sending time.</param>
    public static BlastResult Run(string ns, IPEndPoint target, int threads, int flowsPerThread, double rate, long count, TimeSpan limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var sent = new long[threads];
        var errors = new long[threads];
        var seconds = new double[threads];
        Exception? failure = null;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                NetNs.Enter(ns);
                (sent[t], errors[t], seconds[t]) = Send(t, threads, target, flowsPerThread, rate / threads, count / threads, limit);
            }
            catch (Exception ex) when (ex is InvalidOperationException or SocketException or IOException)
            {
                failure = ex;
            }
        })
        { IsBackground = true, Name = $"udp tx {t}" }).ToList();
        workers.ForEach(w => w.Start());
        foreach (var w in workers)
        {
            if (!w.Join(limit + TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("a UDP sender thread did not finish");
            }
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"UDP sender failed: {failure.Message}", failure);
        }

        return new BlastResult(sent.Sum(), errors.Sum(), seconds.Max());
    }

    private static (long Sent, long Errors, double Seconds) Send(int index, int stride, IPEndPoint target, int flows, double rate, long count, TimeSpan limit)
    {
        var sockets = Enumerable.Range(0, flows).Select(_ =>
        {
            var s = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 4 << 20 };
            s.Connect(target);
            return s;
        }).ToList();
        var fds = sockets.Select(s => (int)s.Handle).ToArray();
        using var batch = new MessageBatch(Batch, Workloads.UdpFlood.PayloadBytes);
        try
        {
            long sent = 0, errors = 0, seq = index;
            var pacer = new Pacer(rate);
            int flow = 0;
            while (sent + errors < count && pacer.Elapsed < limit.TotalSeconds)
            {
                int n = (int)Math.Min(Batch, count - sent - errors);
                for (int i = 0; i < n; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(batch[i], seq + ((long)i * stride));
                }

                var (ok, failed) = batch.Send(fds[flow], n);
                sent += ok;
                errors += failed;
                seq += (long)n * stride;
                flow = (flow + 1) % fds.Length;
                pacer.Wait(sent + errors);
            }

            return (sent, errors, pacer.Elapsed);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
