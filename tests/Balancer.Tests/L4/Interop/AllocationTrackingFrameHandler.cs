using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.Tests.L4.Interop;

/// <summary>Records the receive thread's allocated-bytes counter at every frame, without allocating itself.</summary>
internal sealed class AllocationTrackingFrameHandler(int capacity) : IFrameHandler
{
    private readonly long[] _allocated = new long[capacity];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public long this[int index] => _allocated[index];

    public void OnFrame(ReadOnlySpan<byte> frame)
    {
        int i = _count;
        if (i < _allocated.Length)
        {
            _allocated[i] = GC.GetAllocatedBytesForCurrentThread();
            Volatile.Write(ref _count, i + 1);
        }
    }
}
