using System.Collections.Concurrent;
using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.Tests.L4.Interop;

/// <summary>Copies every captured frame into a queue so a test can wait for it.</summary>
internal sealed class CapturingFrameHandler : IFrameHandler
{
    private readonly BlockingCollection<byte[]> _frames = new();

    public int Count => _frames.Count;

    public void OnFrame(ReadOnlySpan<byte> frame) => _frames.Add(frame.ToArray());

    public byte[]? WaitForFrame(TimeSpan timeout) => _frames.TryTake(out var frame, timeout) ? frame : null;
}
