using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.TestSupport;

public class FramesSanityTests
{
    [Fact]
    public void Tcp_DontFragment_SetsDfBitAndValidChecksums()
    {
        byte[] f = Frames.Tcp("02:00:00:00:00:01", "02:00:00:00:00:fe", "192.168.1.10", "10.0.0.100", 40000, 80, Frames.Syn, options: [2, 4, 0x05, 0xb4]);
        Assert.Equal(0x40, f[14 + 6]);
        Assert.Equal(0, RefChecksum.Compute(f.AsSpan(14, 20)));
        Assert.Equal(14 + 20 + 24, f.Length);
        Assert.Equal(20 + 24, (f[16] << 8) | f[17]);
    }
}
