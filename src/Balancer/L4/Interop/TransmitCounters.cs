namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Plain counters of one transmitter: written only by the thread that owns it, read at scrape time.</summary>
public sealed class TransmitCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<TransmitDropReason>().Length];
    private long _sent;
    private long _flushes;

    /// <summary>Frames handed to the kernel.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Send syscalls made by flushes (frames per flush = Sent / Flushes).</summary>
    public long Flushes => Volatile.Read(ref _flushes);

    /// <summary>Frames not sent, over all reasons.</summary>
    public long Dropped
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _drops.Length; i++)
            {
                sum += Volatile.Read(ref _drops[i]);
            }

            return sum;
        }
    }

    /// <summary>Frames not sent for one reason.</summary>
    public long GetDrops(TransmitDropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    /// <summary>Counts frames handed to the kernel (owner thread only).</summary>
    public void CountSent(int frames) => _sent += frames;

    /// <summary>Counts one send syscall (owner thread only).</summary>
    public void CountFlush() => _flushes++;

    /// <summary>Counts frames not sent (owner thread only).</summary>
    public void CountDrop(TransmitDropReason reason, int frames = 1) => _drops[(int)reason] += frames;
}
