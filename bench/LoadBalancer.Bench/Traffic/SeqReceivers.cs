using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Traffic;

/// <summary>
/// A UDP receiver in every backend namespace that files each datagram under its sequence number's bucket
/// (sequence / bucket size), so loss can be told per second of sending. For moderate rates (cold start):
/// one receive call per datagram.
/// </summary>
internal sealed class SeqReceivers : IDisposable
{
    private readonly List<Socket> _sockets;
    private readonly List<Thread> _threads;
    private readonly long[][] _buckets;
    private readonly long _bucketSize;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Binds the UDP port in every namespace and starts counting.</summary>
    public SeqReceivers(IReadOnlyList<string> backendNs, int port, long bucketSize, int buckets)
    {
        _bucketSize = bucketSize;
        _sockets = backendNs.Select(ns => NetNs.Run(ns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20, ReceiveTimeout = 100 };
            s.Bind(new IPEndPoint(IPAddress.Any, port));
            return s;
        })).ToList();
        _buckets = _sockets.Select(_ => new long[buckets + 1]).ToArray();
        _threads = _sockets.Select((s, i) => new Thread(() => Receive(s, _buckets[i])) { IsBackground = true, Name = $"udp seq rx {i}" }).ToList();
        _threads.ForEach(t => t.Start());
    }

    /// <summary>Datagrams received per bucket over all backends; the last entry counts sequence numbers beyond the buckets.</summary>
    public long[] Counts()
    {
        var sum = new long[_buckets[0].Length];
        foreach (var b in _buckets)
        {
            for (int i = 0; i < sum.Length; i++)
            {
                sum[i] += Volatile.Read(ref b[i]);
            }
        }

        return sum;
    }

    /// <summary>Waits until the counts stop moving (at most <paramref name="limit"/>), then stops the receivers.</summary>
    public long[] Finish(TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        long last = -1;
        while (sw.Elapsed < limit)
        {
            Thread.Sleep(200);
            long now = Counts().Sum();
            if (now == last)
            {
                break;
            }

            last = now;
        }

        _stop.Cancel();
        _threads.ForEach(t => t.Join());
        return Counts();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stop.Cancel();
        _threads.ForEach(t => t.Join());
        _sockets.ForEach(s => s.Dispose());
        _stop.Dispose();
    }

    private void Receive(Socket socket, long[] buckets)
    {
        var buffer = new byte[2048];
        int last = buckets.Length - 1;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                int n = socket.Receive(buffer);
                long seq = n >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(buffer) : -1;
                int b = seq < 0 ? last : (int)Math.Min(last, seq / _bucketSize);
                Interlocked.Increment(ref buckets[b]);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                // Timeout only so the stop flag is seen.
            }
        }
    }
}
