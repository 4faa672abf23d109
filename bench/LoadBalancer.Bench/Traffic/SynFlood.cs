using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Traffic;

/// <summary>
/// A bounded spoofed-SYN flood from the client namespace: a raw IPv4 socket, batches of 64 per <c>sendmmsg()</c>,
/// random source addresses inside the client subnet (never the real client's or the balancer's) and random source
/// ports, paced to a fixed rate and stopped by count and time.
/// </summary>
internal static class SynFlood
{
    private const int Batch = 64;

    /// <summary>Floods <paramref name="target"/>; returns what was sent.</summary>
    /// <param name="ns">Client namespace.</param>
    /// <param name="target">VIP and port.</param>
    /// <param name="subnet">First address of the /24 the spoofed sources come from.</param>
    /// <param name="avoid">Host numbers (last octet) never used as a source.</param>
    /// <param name="rate">SYNs per second.</param>
    /// <param name="count">Upper bound of SYNs.</param>
    /// <param name="limit">Upper bound of time.</param>
    public static BlastResult Run(string ns, IPEndPoint target, IPAddress subnet, IReadOnlySet<int> avoid, double rate, long count, TimeSpan limit) =>
        NetNs.Run(ns, () => Send(target, subnet, avoid, rate, count, limit));

    private static BlastResult Send(IPEndPoint target, IPAddress subnet, IReadOnlySet<int> avoid, double rate, long count, TimeSpan limit)
    {
        int fd = Libc.Socket(Libc.AfInet, Libc.SockRaw, Native.IpProtoRaw);
        if (fd < 0)
        {
            throw new InvalidOperationException($"raw socket: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            uint dst = BinaryPrimitives.ReadUInt32BigEndian(target.Address.GetAddressBytes());
            uint net = BinaryPrimitives.ReadUInt32BigEndian(subnet.GetAddressBytes()) & 0xffffff00;
            var dest = new Native.SockAddrIn
            {
                Family = Libc.AfInet,
                Port = BinaryPrimitives.ReverseEndianness((ushort)target.Port),
                Address = BinaryPrimitives.ReverseEndianness(dst),
            };
            using var batch = new MessageBatch(Batch, SynPacket.Length, dest);
            var hosts = Enumerable.Range(1, 254).Where(h => !avoid.Contains(h)).ToArray();
            var random = new Random(12345);
            long sent = 0, errors = 0;
            var pacer = new Pacer(rate);
            while (sent + errors < count && pacer.Elapsed < limit.TotalSeconds)
            {
                int n = (int)Math.Min(Batch, count - sent - errors);
                for (int i = 0; i < n; i++)
                {
                    uint src = net | (uint)hosts[random.Next(hosts.Length)];
                    SynPacket.Write(batch[i], src, dst, (ushort)random.Next(1024, 65536), (ushort)target.Port, (uint)random.Next());
                }

                var (ok, failed) = batch.Send(fd, n);
                sent += ok;
                errors += failed;
                pacer.Wait(sent + errors);
            }

            return new BlastResult(sent, errors, pacer.Elapsed);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
